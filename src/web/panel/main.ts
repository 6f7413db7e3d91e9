/** The panel's entry point: registers the components; `index.html` holds `<sse-panel>`. */
import './styles.css';
import { AlertsView } from './alerts.ts';
import { ChartView } from './chart.ts';
import { ConnectionsView } from './connections.ts';
import { EventsView } from './events.ts';
import { HistoryView } from './history.ts';
import { LiveStatusView } from './live-status.ts';
import { PanelApp } from './panel-app.ts';

customElements.define('sse-chart', ChartView);
customElements.define('sse-history', HistoryView);
customElements.define('sse-live', LiveStatusView);
customElements.define('sse-connections', ConnectionsView);
customElements.define('sse-alerts', AlertsView);
customElements.define('sse-events', EventsView);
customElements.define('sse-panel', PanelApp);
