import { api, SIGNED_OUT_EVENT } from './api';
import { h, setText } from './dom';
import { User } from './model';
import { AlertsPanel } from './views/alerts';
import { AuditorPage } from './views/auditor';
import { DispatchPage } from './views/dispatch';
import { PatientDetail } from './views/patient';
import { signInForm } from './views/sign-in';
import { WardView } from './views/ward';

/**
 * The dashboard shell: who is signed in, the navigation their role allows, and a hash router
 * (`#/ward/<id>`, `#/patient/<id>`, `#/alerts`, `#/dispatch`, `#/audit`) so the server only serves `/`.
 */
interface Page {
  readonly el: HTMLElement;
  close(): void;
}

const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;
const who = document.getElementById('who')!;
let user: User | undefined;
let current: Page | undefined;
let wardNames = new Map<string, string>();

async function start(): Promise<void> {
  try {
    const me = await api<User | { user: User }>('/api/auth/me');
    user = 'user' in me ? me.user : me;
  } catch {
    user = undefined;
  }
  await signedIn();
}

async function signedIn(): Promise<void> {
  if (user) {
    if (user.role !== 'auditor') {
      try {
        const wards = await api<{ id: string; name: string }[]>('/api/wards');
        wardNames = new Map(wards.map((w) => [w.id, w.name]));
      } catch {
        wardNames = new Map(user.wards.map((id) => [id, id]));
      }
    }
  }
  renderNav();
  route();
}

function wardsOf(u: User): string[] {
  return u.role === 'admin' ? [...wardNames.keys()] : [...u.wards];
}

function renderNav(): void {
  if (!user) {
    nav.replaceChildren();
    who.replaceChildren();
    return;
  }
  const links: [string, string][] = [];
  if (user.role !== 'auditor') {
    for (const id of wardsOf(user)) links.push([`#/ward/${encodeURIComponent(id)}`, wardNames.get(id) ?? id]);
    links.push(['#/alerts', 'Alerts'], ['#/dispatch', 'Dispatch']);
  }
  if (user.role !== 'clinician') links.push(['#/audit', 'Audit']);
  nav.replaceChildren(h('ul', {}, ...links.map(([href, label]) => h('li', {}, h('a', { href }, label)))));
  const signOut = h('button', { type: 'button', class: 'secondary' }, 'Sign out');
  signOut.addEventListener('click', () => {
    void api('/api/auth/sign-out', { method: 'POST' }).finally(() => {
      user = undefined;
      renderNav();
      location.hash = '#/';
      route();
    });
  });
  who.replaceChildren(h('span', {}, `${user.username} (${user.role})`), signOut);
}

function show(page: Page | HTMLElement, title: string): void {
  current?.close();
  current = page instanceof HTMLElement ? { el: page, close: () => undefined } : page;
  main.replaceChildren(current.el);
  document.title = `${title} · PulseProof`;
  for (const a of nav.querySelectorAll('a')) {
    if (a.getAttribute('href') === location.hash) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function route(): void {
  // only `#/...` is a route; other fragments (the skip link's target) are in-page anchors
  if (location.hash !== '' && !location.hash.startsWith('#/')) return;
  if (!user) {
    show(signInForm((u) => {
      user = u;
      void signedIn();
    }), 'Sign in');
    return;
  }
  const [, kind, rawId] = location.hash.split('/');
  const id = rawId === undefined ? undefined : decodeURIComponent(rawId);
  if (kind === 'ward' && id) return wardPage(id);
  if (kind === 'patient' && id) {
    const detail = new PatientDetail(id, user);
    show({ el: detail.el, close: () => undefined }, `Patient ${id}`);
    void detail.load();
    return;
  }
  if (kind === 'alerts') {
    const panel = new AlertsPanel(user);
    panel.open();
    show(panel, 'Alerts');
    return;
  }
  if (kind === 'dispatch') {
    const page = new DispatchPage();
    page.open();
    show(page, 'Dispatch');
    return;
  }
  if (kind === 'audit') {
    const page = new AuditorPage();
    void page.open();
    show(page, 'Audit');
    return;
  }
  // the landing page of each role
  const firstWard = wardsOf(user)[0];
  if (user.role === 'auditor') location.replace('#/audit');
  else if (firstWard !== undefined) location.replace(`#/ward/${encodeURIComponent(firstWard)}`);
  else show(h('p', { class: 'refused' }, 'You are not assigned to a ward yet: ask an administrator to add you to one.'), 'No ward');
}

function wardPage(wardId: string): void {
  const ward = new WardView(wardId);
  const alerts = new AlertsPanel(user!);
  ward.onPatients = (ids) => alerts.scopeTo(ids);
  alerts.scopeTo(new Set());
  const layout = h('div', { class: 'ward-layout' }, ward.el, alerts.el);
  show({ el: layout, close: () => (ward.close(), alerts.close()) }, wardNames.get(wardId) ?? `Ward ${wardId}`);
  void ward.open().then((shown) => {
    if (shown) alerts.open();
    else alerts.el.remove();
  });
}

window.addEventListener('hashchange', route);
document.querySelector('.skip')?.addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});
window.addEventListener(SIGNED_OUT_EVENT, () => {
  if (!user) return;
  user = undefined;
  renderNav();
  route();
  setText(document.getElementById('live-polite')!, 'Your session ended: sign in again.');
});
void start();
