import { render } from 'preact';
import { loadCatalog } from '../../utils/i18n';
import { App } from '../../components/App';
import '../../components/style.css';

// The popup's forms in a tab of their own, for admins who prefer a full page to the 600 px popup.
void loadCatalog().then(() => render(<App page="options" />, document.getElementById('app')!));
