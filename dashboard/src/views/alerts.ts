import { api, HttpError, q, recoverRefusedStream } from '../api';
import { announce } from '../announcer';
import { formatAge, h, setText } from '../dom';
import { onNextFrame } from '../frame';
import { AlertView, User } from '../model';

const PRIORITY_RANK = { high: 0, medium: 1, low: 2 } as const;

/**
 * Active alerts, highest priority and oldest first: priority, age, state, a one-click acknowledge
 * and who acknowledged. Refreshed from `GET /api/alerts` whenever the alert stream
 * (`/api/alerts/stream`, SSE) reports a change; new alerts are announced to screen readers.
 */
export class AlertsPanel {
  readonly el: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly error: HTMLElement;
  private readonly items = new Map<string, { el: HTMLLIElement; age: HTMLElement; alert: AlertView }>();
  private alerts: AlertView[] = [];
  private stream: EventSource | undefined;
  private ageTimer: number | undefined;
  private refreshTimer: number | undefined;
  private patients: ReadonlySet<string> | undefined;
  private known = new Set<string>();
  private first = true;

  constructor(private readonly user: User) {
    this.list = h('ul', { class: 'alert-list', 'aria-labelledby': 'alerts-title' });
    this.error = h('p', { class: 'error', role: 'alert', hidden: true });
    this.el = h('aside', { class: 'alerts', 'aria-labelledby': 'alerts-title' }, h('h2', { id: 'alerts-title' }, 'Active alerts'), this.error, this.list);
  }

  /** Shows only these patients' alerts (the open ward); undefined shows every alert the user may see. */
  scopeTo(patients: ReadonlySet<string> | undefined): void {
    this.patients = patients;
    onNextFrame(() => this.render());
  }

  open(): void {
    void this.refresh();
    this.connect();
    this.ageTimer = window.setInterval(() => onNextFrame(() => this.renderAges()), 5_000);
  }

  private connect(): void {
    const stream = new EventSource('/api/alerts/stream');
    this.stream = stream;
    stream.addEventListener('alert', () => this.refreshSoon());
    stream.addEventListener('error', () =>
      recoverRefusedStream(stream, () => {
        // reopened only while this view still owns the stream; a reconnection may have missed alerts
        if (this.stream === stream) {
          this.connect();
          this.refreshSoon();
        }
      }),
    );
  }

  close(): void {
    this.stream?.close();
    this.stream = undefined;
    window.clearInterval(this.ageTimer);
    window.clearTimeout(this.refreshTimer);
  }

  private refreshSoon(): void {
    if (this.refreshTimer !== undefined) return;
    this.refreshTimer = window.setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh();
    }, 300);
  }

  private async refresh(): Promise<void> {
    try {
      this.alerts = await api<AlertView[]>('/api/alerts?state=active&limit=200');
      this.error.hidden = true;
    } catch (error) {
      this.error.hidden = false;
      setText(this.error, error instanceof Error ? error.message : String(error));
      return;
    }
    for (const alert of this.alerts) {
      if (!this.known.has(alert.alertId) && !this.first && this.visible(alert)) {
        announce(`New ${alert.priority} priority alert for ${alert.patientId}: ${alert.summary}`, alert.priority === 'high' ? 'assertive' : 'polite');
      }
      this.known.add(alert.alertId);
    }
    this.first = false;
    onNextFrame(() => this.render());
  }

  private visible(alert: AlertView): boolean {
    return this.patients === undefined || this.patients.has(alert.patientId);
  }

  private render(): void {
    const shown = this.alerts.filter((a) => this.visible(a)).sort((a, b) => PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || a.raisedAt - b.raisedAt);
    const keep = new Set(shown.map((a) => a.alertId));
    for (const [id, item] of this.items) {
      if (!keep.has(id)) {
        item.el.remove();
        this.items.delete(id);
      }
    }
    shown.forEach((alert, i) => {
      let item = this.items.get(alert.alertId);
      if (!item || item.alert.updatedAt !== alert.updatedAt || item.alert.acknowledgedBy !== alert.acknowledgedBy) {
        const fresh = this.item(alert);
        if (item) item.el.replaceWith(fresh.el);
        item = fresh;
        this.items.set(alert.alertId, item);
      }
      if (this.list.children[i] !== item.el) this.list.insertBefore(item.el, this.list.children[i] ?? null);
    });
    if (shown.length === 0) {
      if (!this.list.querySelector('.empty')) this.list.append(h('li', { class: 'empty' }, 'No active alerts.'));
    } else this.list.querySelector('.empty')?.remove();
  }

  private renderAges(): void {
    for (const item of this.items.values()) setText(item.age, formatAge(Date.now() - item.alert.raisedAt));
  }

  private item(alert: AlertView): { el: HTMLLIElement; age: HTMLElement; alert: AlertView } {
    const age = h('span', { class: 'age' }, formatAge(Date.now() - alert.raisedAt));
    const acknowledged = alert.acknowledgedBy !== null;
    const action = acknowledged
      ? h('span', { class: 'acked' }, `Acknowledged by ${alert.acknowledgedBy}`)
      : this.user.role === 'auditor'
        ? null
        : h('button', { type: 'button', class: 'ack', 'data-alert': alert.alertId }, 'Acknowledge');
    if (action instanceof HTMLButtonElement) {
      action.setAttribute('aria-label', `Acknowledge ${alert.priority} alert for ${alert.patientId}: ${alert.summary}`);
      action.addEventListener('click', () => void this.acknowledge(alert, action));
    }
    const el = h(
      'li',
      { class: `alert priority-${alert.priority}${acknowledged ? ' is-acked' : ''}`, 'data-alert': alert.alertId, 'data-patient': alert.patientId, tabindex: -1 },
      h('div', { class: 'alert-head' }, h('span', { class: 'priority' }, alert.priority.toUpperCase()), h('a', { href: `#/patient/${q(alert.patientId)}` }, alert.patientId), age),
      h('p', { class: 'summary' }, alert.summary),
      h('div', { class: 'alert-foot' }, h('span', { class: 'state' }, acknowledged ? 'active, acknowledged' : 'active, not acknowledged'), action),
    );
    return { el, age, alert };
  }

  private async acknowledge(alert: AlertView, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    setText(button, 'Acknowledging…');
    try {
      await api(`/api/alerts/${q(alert.alertId)}/acknowledge`, { method: 'POST', body: { by: this.user.username } });
      announce(`Alert for ${alert.patientId} acknowledged`);
      await this.refresh();
      // the button is gone once acknowledged: keep the keyboard on the same alert
      onNextFrame(() => this.items.get(alert.alertId)?.el.focus());
    } catch (error) {
      button.disabled = false;
      setText(button, 'Acknowledge');
      this.error.hidden = false;
      setText(this.error, `Could not acknowledge: ${error instanceof HttpError ? error.message : String(error)}`);
    }
  }
}
