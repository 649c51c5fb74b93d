import { render } from 'preact';
import { loadCatalog } from '../../utils/i18n';
import { App } from '../../components/App';
import { askEarly } from '../../components/console-query';
import '../../components/style.css';

// The popup's tabs in a tab of their own; its Fleet tab is the console, whose list is asked for at once.
askEarly();
void loadCatalog().then(() => render(<App page="options" />, document.getElementById('app')!));
