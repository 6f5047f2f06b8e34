import { api } from '../api';
import { formatDateTime, formatTime, h, setText } from '../dom';

interface Anchor { id: number; root: string; count: number; fromTime: number; toTime: number; status: string; txHash: string | null; blockNumber: number | null }

/**
 * The auditor's view: paste or upload a receipt, verify it in this browser against a chain
 * endpoint (the configured one by default), and the list of anchored batches.
 */
export class AuditorPage {
  readonly el: HTMLElement;
  private readonly text: HTMLTextAreaElement;
  private readonly rpc: HTMLInputElement;
  private readonly result: HTMLElement;
  private readonly batches: HTMLElement;

  constructor() {
    this.text = h('textarea', { id: 'receipt', rows: 10, spellcheck: 'false', placeholder: '{ "version": 1, "reading": { … }, "leaf": "0x…", … }' });
    this.rpc = h('input', { id: 'rpc', type: 'url', required: true, autocomplete: 'off' });
    const file = h('input', { id: 'receipt-file', type: 'file', accept: '.json,application/json' });
    file.addEventListener('change', () => {
      const chosen = file.files?.[0];
      if (chosen) void chosen.text().then((t) => (this.text.value = t));
    });
    this.result = h('div', { class: 'verify-result', role: 'status', 'aria-live': 'polite' });
    const form = h(
      'form',
      { class: 'verify-form' },
      h('label', { for: 'receipt' }, 'Receipt (JSON)'),
      this.text,
      h('label', { for: 'receipt-file' }, 'or upload a receipt file'),
      file,
      h('label', { for: 'rpc' }, 'Chain JSON-RPC endpoint'),
      this.rpc,
      h('button', { type: 'submit' }, 'Verify receipt'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.verify();
    });
    this.batches = h('div', { class: 'batches' });
    this.el = h(
      'section',
      { class: 'auditor' },
      h('h2', {}, 'Verify a proof receipt'),
      h('p', { class: 'hint' }, 'The receipt is checked in this browser: its leaf is recomputed from the reading, the proof folded into the root, and the root looked up on the chain contract. Nothing is sent to PulseProof.'),
      h('div', { class: 'columns' }, h('div', {}, form, this.result), h('div', {}, h('h3', {}, 'Anchored batches'), this.batches)),
    );
  }

  async open(): Promise<void> {
    const [config, anchors] = await Promise.allSettled([api<{ rpcUrl: string }>('/api/dashboard/config'), api<Anchor[]>('/api/anchors?limit=50')]);
    if (config.status === 'fulfilled' && !this.rpc.value) this.rpc.value = config.value.rpcUrl;
    if (anchors.status === 'fulfilled') {
      this.batches.replaceChildren(
        h(
          'table',
          {},
          h('thead', {}, h('tr', {}, ...['Batch', 'Readings', 'Device time', 'Status', 'Block', 'Root'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, ...anchors.value.map((a) => h('tr', {}, h('td', {}, String(a.id)), h('td', {}, String(a.count)), h('td', {}, `${formatDateTime(a.fromTime)} – ${formatTime(a.toTime)}`), h('td', { class: `status-${a.status}` }, a.status), h('td', {}, a.blockNumber === null ? '—' : String(a.blockNumber)), h('td', { class: 'hash' }, h('code', { title: a.root }, `${a.root.slice(0, 10)}…`))))),
        ),
      );
    } else {
      this.batches.replaceChildren(h('p', { role: 'alert' }, anchors.reason instanceof Error ? anchors.reason.message : String(anchors.reason)));
    }
  }

  close(): void {}

  private async verify(): Promise<void> {
    this.result.className = 'verify-result';
    setText(this.result, 'Verifying…');
    // the verifier (ethers' ABI coder, keccak, zod) loads only when an auditor uses it
    const { verifyReceiptInBrowser } = await import('../audit-verify');
    const outcome = await verifyReceiptInBrowser(this.text.value, this.rpc.value.trim());
    if (outcome.ok) {
      this.result.className = 'verify-result ok';
      const r = outcome.receipt;
      this.result.replaceChildren(
        h('p', { class: 'verdict' }, '✔ Valid receipt'),
        h('p', {}, `Reading ${r.reading.deviceId}:${r.reading.seq} of ${r.reading.patientId}, measured ${formatDateTime(r.reading.deviceTime)}, is in the root anchored on chain ${r.chainId} in block ${outcome.onChain.blockNumber} at ${formatDateTime(outcome.onChain.timestamp * 1000)} (batch of ${outcome.onChain.count}).`),
      );
      if (outcome.note) this.result.append(h('p', {}, outcome.note));
    } else {
      this.result.className = 'verify-result failed';
      this.result.replaceChildren(h('p', { class: 'verdict' }, '✘ Not valid'), h('p', {}, outcome.failure));
    }
  }
}
