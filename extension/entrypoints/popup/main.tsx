import { render } from 'preact';
import { loadCatalog } from '../../utils/i18n';
import { App } from '../../components/App';
import '../../components/style.css';

void loadCatalog().then(() => render(<App page="popup" />, document.getElementById('app')!));
