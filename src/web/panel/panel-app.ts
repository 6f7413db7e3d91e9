/**
 * `<sse-panel>`: checks access (ingress needs nothing; the LAN port asks for a token once and
 * keeps it in sessionStorage), then shows the live status and four tabs.
 */
import { html, nothing } from 'lit';
import { ApiError, api, storeToken, storedToken } from './api.ts';
import { LightElement } from './light-element.ts';
import { LiveSocket, type SocketState } from './live-socket.ts';
import type { LiveStatsData } from '../../stats/answers.ts';

const TABS = [
  ['history', 'History'],
  ['connections', 'Connections'],
  ['alerts', 'Alerts'],
  ['events', 'Events'],
] as const;
type Tab = (typeof TABS)[number][0];

export class PanelApp extends LightElement {
  static override properties = {
    access: { state: true },
    loginError: { state: true },
    live: { state: true },
    socket: { state: true },
    tab: { state: true },
  };

  access: 'checking' | 'login' | 'forbidden' | 'ready' = 'checking';
  loginError = '';
  live: LiveStatsData | undefined;
  socket: SocketState = 'connecting';
  tab: Tab = 'history';
  #socket = new LiveSocket(
    (data) => (this.live = data),
    (state) => (this.socket = state),
  );
  readonly #onUnauthorized = () => {
    if (this.access === 'ready') this.#signOut('Your token was refused; enter it again.');
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('sse-hub-unauthorized', this.#onUnauthorized);
    void this.#check();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('sse-hub-unauthorized', this.#onUnauthorized);
    this.#socket.stop();
  }

  async #check(): Promise<void> {
    const tried = storedToken() !== undefined;
    try {
      await api('GET', 'api/sse/stats');
      this.access = 'ready';
      this.#socket.start();
    } catch (err) {
      if (err instanceof ApiError && err.status === 403) this.access = 'forbidden';
      else if (err instanceof ApiError && err.status === 401) this.#signOut(tried ? `Home Assistant refused that token (${err.message}).` : '');
      else {
        this.access = 'login';
        this.loginError = err instanceof Error ? err.message : String(err);
      }
    }
  }

  #signOut(message: string): void {
    this.#socket.stop();
    storeToken(undefined);
    this.access = 'login';
    this.loginError = message;
  }

  #login(e: SubmitEvent): void {
    e.preventDefault();
    const input = (e.target as HTMLFormElement).elements.namedItem('token') as HTMLInputElement;
    const token = input.value.trim();
    if (!token) {
      this.loginError = 'Paste a Home Assistant long-lived access token.';
      return;
    }
    storeToken(token);
    this.loginError = '';
    this.access = 'checking';
    void this.#check();
  }

  #tabKey(e: KeyboardEvent): void {
    const i = TABS.findIndex(([id]) => id === this.tab);
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    const next = TABS[(i + step + TABS.length) % TABS.length]![0];
    this.tab = next;
    void this.updateComplete.then(() => this.querySelector<HTMLButtonElement>(`#tab-${next}`)?.focus());
  }

  override render() {
    if (this.access === 'checking') return html`<main class="center"><p>Loading…</p></main>`;
    if (this.access === 'forbidden') {
      return html`<main class="center"><section class="card"><h1>SSE Hub</h1><p>This panel is for Home Assistant administrators.</p></section></main>`;
    }
    if (this.access === 'login') return this.#renderLogin();
    return html`
      <header class="top">
        <h1>SSE Hub</h1>
        ${storedToken() ? html`<button class="text" @click=${() => this.#signOut('')}>Sign out</button>` : nothing}
      </header>
      <main>
        <sse-live .data=${this.live} .socket=${this.socket}></sse-live>
        <nav class="tabs" role="tablist" aria-label="Sections" @keydown=${this.#tabKey}>
          ${TABS.map(
            ([id, label]) => html`<button
              role="tab"
              id="tab-${id}"
              aria-controls="view-${id}"
              aria-selected=${this.tab === id ? 'true' : 'false'}
              tabindex=${this.tab === id ? 0 : -1}
              @click=${() => (this.tab = id)}
            >
              ${label}
            </button>`,
          )}
        </nav>
        <section role="tabpanel" id="view-${this.tab}" aria-labelledby="tab-${this.tab}" class="view">${this.#renderTab()}</section>
      </main>
    `;
  }

  #renderTab() {
    const tick = this.live?.live.timestamp ?? '';
    switch (this.tab) {
      case 'history':
        return html`<sse-history></sse-history>`;
      case 'connections':
        return html`<sse-connections .tick=${tick}></sse-connections>`;
      case 'alerts':
        return html`<sse-alerts .tick=${tick}></sse-alerts>`;
      case 'events':
        return html`<sse-events></sse-events>`;
    }
  }

  #renderLogin() {
    return html`<main class="center">
      <form class="card login" @submit=${this.#login} novalidate>
        <h1>SSE Hub</h1>
        <p>On this port the panel needs a Home Assistant <strong>long-lived access token</strong> of an administrator
          (your profile page in Home Assistant, at the bottom). It stays in this browser tab only.</p>
        <label for="token">Access token</label>
        <input id="token" name="token" type="password" autocomplete="off" required
          aria-invalid=${this.loginError ? 'true' : 'false'} aria-describedby="token-error" />
        <p id="token-error" class="field-error" role="alert">${this.loginError}</p>
        <button type="submit" class="primary">Open the panel</button>
      </form>
    </main>`;
  }
}
