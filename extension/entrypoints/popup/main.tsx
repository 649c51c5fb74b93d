import { render } from 'preact';
import { loadCatalog } from '../../utils/i18n';
import { App } from './App';
import './style.css';

void loadCatalog().then(() => render(<App page="popup" />, document.getElementById('app')!));
