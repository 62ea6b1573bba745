import type { PageConfig, PanelKey, PanelState, TimelineItem } from '../protocol.js';
import {
  type ButtonPath,
  buttonAt,
  confirmDialog,
  formatSlackDate,
  type RenderContext,
  renderMessage,
  renderMrkdwn,
} from '../render-blocks.js';
import { h, pictureEmojiIn, setText, toDom } from './dom.js';
import { setupViews } from './views.js';

/**
 * The page: a Slack channel (#incidents) driven entirely by the sandbox server's event stream. Every command
 * and click goes to the server, which delivers it to Flowbot as Slack would; nothing here talks to Flowbot.
 */

// The page's own markup shows its emoji as pictures too (no emoji font needed).
pictureEmojiIn(document.body);

const SLACKBOT = 'USLACKBOT';
const AVATAR_COLOURS: Record<string, string> = {
  allowed: '#2eb67d',
  group: '#36c5f0',
  stranger: '#e8912d',
};

const byId = <T extends HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
};

const messages = byId<HTMLDivElement>('messages');
const composer = byId<HTMLFormElement>('composer');
const input = byId<HTMLInputElement>('message-input');
const people = byId<HTMLDivElement>('people');
const keysBody = byId<HTMLTableSectionElement>('keys-body');
const keysNote = byId<HTMLDivElement>('keys-note');
const keyNames = byId<HTMLDataListElement>('key-names');
const alertForm = byId<HTMLFormElement>('alert-form');
const alertResult = byId<HTMLDivElement>('alert-result');
const stormButton = byId<HTMLButtonElement>('storm-button');
const stormResult = byId<HTMLDivElement>('storm-result');
const banner = byId<HTMLDivElement>('banner');
const connection = byId<HTMLSpanElement>('connection');
const modal = byId<HTMLDivElement>('modal');
const shortcutMenu = byId<HTMLDivElement>('shortcut-menu');
const messageMenu = byId<HTMLDivElement>('message-menu');

let config: PageConfig | undefined;
let items: TimelineItem[] = [];
let me = sessionStorage.getItem('flowbot-sandbox-user') ?? '';
const expandedThreads = new Set<string>();
const dismissed = new Set<string>();
const rendered = new Map<string, { signature: string; node: HTMLElement }>();
const history: string[] = [];
let historyAt = -1;

const context = (): RenderContext => ({
  users: config?.users ?? {},
  channels: config ? { [config.channel.id]: config.channel.name } : {},
  groups: config?.groups ?? {},
  formatDate: (seconds, format) => formatSlackDate(seconds, format),
});

function nameOf(userId: string): string {
  if (userId === SLACKBOT) return 'Slackbot';
  return config?.users[userId] ?? userId;
}

function avatar(userId: string): HTMLElement {
  const person = config?.people.find((p) => p.id === userId);
  const isBot = !person;
  const label = userId === SLACKBOT ? '✱' : isBot ? 'F' : (person?.name[0] ?? '?').toUpperCase();
  const colour = person
    ? (AVATAR_COLOURS[person.role] ?? '#888')
    : userId === SLACKBOT
      ? '#4a154b'
      : '#611f69';
  return h('div', { class: 'avatar', style: `background:${colour}`, 'aria-hidden': 'true' }, label);
}

function timeOf(at: number): string {
  return new Date(at).toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit' });
}

// ---- the channel -------------------------------------------------------------------------------------------

function visible(item: TimelineItem): boolean {
  return (item.visibleTo === undefined || item.visibleTo === me) && !dismissed.has(item.key);
}

function content(item: TimelineItem): Node {
  if (item.kind === 'command') return h('div', { class: 'command-text' }, h('code', {}, item.text ?? ''));
  if (item.kind === 'chat') return h('div', { class: 'chat-text' }, item.text ?? '');
  if (item.kind === 'notice')
    return h('div', { class: 'sk-text' }, toDom(renderMrkdwn(item.text ?? '', context())));
  return toDom(renderMessage({ text: item.text, blocks: item.blocks }, context()));
}

function messageNode(item: TimelineItem, replies: TimelineItem[]): HTMLElement {
  const isPrivate = item.visibleTo !== undefined;
  const isBot = item.kind === 'message' || item.kind === 'ephemeral';
  const head = h(
    'div',
    { class: 'msg-head' },
    h('span', { class: 'msg-name' }, nameOf(item.author)),
    isBot ? h('span', { class: 'app-badge' }, 'APP') : undefined,
    h('span', { class: 'msg-time' }, timeOf(item.at)),
  );
  const body = h('div', { class: 'msg-body' }, head);
  if (isPrivate) body.append(h('div', { class: 'only-you' }, '👁️ Only visible to you'));
  body.append(h('div', { class: 'msg-content' }, content(item)));
  if (item.edited) body.append(h('span', { class: 'edited' }, '(edited)'));
  if (replies.length > 0 && item.ts) {
    const open = expandedThreads.has(item.ts);
    const toggle = h(
      'button',
      { class: 'thread-toggle', type: 'button', 'data-thread': item.ts, 'aria-expanded': String(open) },
      `${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}`,
      h('span', { class: 'thread-hint' }, open ? ' · Hide thread' : ' · View thread'),
    );
    body.append(toggle);
    if (open) {
      const thread = h('div', { class: 'thread' });
      for (const reply of replies) thread.append(messageNode(reply, []));
      body.append(thread);
    }
  }
  if (isPrivate && item.kind !== 'command')
    body.append(
      h('button', { class: 'dismiss', type: 'button', 'data-dismiss': item.key }, 'Dismiss message'),
    );
  if (item.kind === 'message' && item.ts)
    body.append(
      h(
        'button',
        {
          class: 'more-actions',
          type: 'button',
          'data-more': item.ts,
          title: 'More actions',
          'aria-label': 'More actions',
        },
        '⋯',
      ),
    );
  return h(
    'div',
    {
      class: `msg msg-${item.kind}${isPrivate ? ' msg-private' : ''}`,
      'data-key': item.key,
      'data-kind': item.kind,
      'data-ts': item.ts,
    },
    avatar(item.author),
    body,
  );
}

function renderTimeline(): void {
  const shown = items.filter(visible);
  const tops = new Set(shown.filter((item) => item.ts && !item.threadTs).map((item) => item.ts));
  const replies = new Map<string, TimelineItem[]>();
  const top: TimelineItem[] = [];
  for (const item of shown) {
    if (item.threadTs && tops.has(item.threadTs)) {
      const list = replies.get(item.threadTs) ?? [];
      list.push(item);
      replies.set(item.threadTs, list);
    } else top.push(item);
  }
  const nearBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 80;
  const keep = new Set<string>();
  let previous: Element | null = null;
  for (const item of top) {
    const threadItems = (item.ts && replies.get(item.ts)) || [];
    const signature = [
      me,
      item.version,
      item.ts && expandedThreads.has(item.ts) ? 'open' : 'closed',
      ...threadItems.map((reply) => `${reply.key}@${reply.version}`),
    ].join('|');
    const cached = rendered.get(item.key);
    let node = cached?.node;
    if (!cached || cached.signature !== signature) {
      node = messageNode(item, threadItems);
      if (cached && cached.signature.split('|')[1] !== String(item.version)) {
        // Updated in place, as Slack does: the same spot, briefly highlighted.
        node.classList.add('updated');
        setTimeout(() => node?.classList.remove('updated'), 1_600);
      }
      if (cached) cached.node.replaceWith(node);
      rendered.set(item.key, { signature, node });
    }
    if (!node) continue;
    keep.add(item.key);
    const expected: Element | null = previous ? previous.nextElementSibling : messages.firstElementChild;
    if (expected !== node) {
      if (previous) previous.after(node);
      else messages.prepend(node);
    }
    previous = node;
  }
  for (const [key, entry] of rendered) {
    if (!keep.has(key)) {
      entry.node.remove();
      rendered.delete(key);
    }
  }
  if (top.length === 0 && !messages.querySelector('.empty')) {
    messages.append(
      h(
        'div',
        { class: 'empty' },
        'This is the very beginning of #incidents. Type ',
        h('code', {}, '/flow list'),
        ' below, or post an alert from the panel on the right.',
      ),
    );
  } else if (top.length > 0) messages.querySelector('.empty')?.remove();
  if (nearBottom) messages.scrollTop = messages.scrollHeight;
}

// ---- who am I ------------------------------------------------------------------------------------------------

function renderPeople(): void {
  if (!config) return;
  people.replaceChildren();
  if (!config.people.some((person) => person.id === me)) me = config.people[0]?.id ?? '';
  for (const person of config.people) {
    const radio = h('input', {
      type: 'radio',
      name: 'who',
      value: person.id,
      id: `who-${person.name}`,
    }) as HTMLInputElement;
    radio.checked = person.id === me;
    radio.addEventListener('change', () => {
      me = person.id;
      sessionStorage.setItem('flowbot-sandbox-user', me);
      input.placeholder = placeholder();
      renderTimeline();
      views.personChanged();
    });
    people.append(
      h(
        'label',
        {
          class: `person person-${person.role}`,
          for: `who-${person.name}`,
          'data-role': person.role,
          title: `${person.name} (${person.id}): ${person.access}`,
        },
        radio,
        avatar(person.id),
        h(
          'span',
          { class: 'person-text' },
          h('span', { class: 'person-name' }, person.name),
          h('small', {}, person.access),
        ),
      ),
    );
  }
  input.placeholder = placeholder();
}

function placeholder(): string {
  return `Message #${config?.channel.name ?? 'incidents'} as ${nameOf(me)}: try /flow status orders-eu`;
}

// ---- talking to the sandbox server ---------------------------------------------------------------------------

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer: unknown = await response.json().catch(() => ({}));
  return answer && typeof answer === 'object' ? (answer as Record<string, unknown>) : {};
}

composer.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (text === '') return;
  history.unshift(text);
  historyAt = -1;
  input.value = '';
  messages.scrollTop = messages.scrollHeight;
  void post('/api/command', { user: me, text });
});

input.addEventListener('keydown', (event) => {
  if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') return;
  if (history.length === 0) return;
  event.preventDefault();
  historyAt = Math.max(-1, Math.min(history.length - 1, historyAt + (event.key === 'ArrowUp' ? 1 : -1)));
  input.value = historyAt === -1 ? '' : (history[historyAt] ?? '');
});

function askToConfirm(confirm: unknown): Promise<boolean> {
  const dialog = confirmDialog(confirm, context());
  if (!dialog) return Promise.resolve(true);
  const title = byId('modal-title');
  const text = byId('modal-text');
  const yes = byId<HTMLButtonElement>('modal-confirm');
  const no = byId<HTMLButtonElement>('modal-deny');
  setText(title, dialog.title);
  text.replaceChildren(toDom(dialog.text));
  setText(yes, dialog.confirm);
  setText(no, dialog.deny);
  yes.className = `sk-button ${dialog.style === 'danger' ? 'sk-button-danger' : 'sk-button-primary'}`;
  modal.hidden = false;
  yes.focus();
  return new Promise((resolve) => {
    const finish = (answer: boolean) => {
      modal.hidden = true;
      yes.removeEventListener('click', onYes);
      no.removeEventListener('click', onNo);
      modal.removeEventListener('keydown', onKey);
      resolve(answer);
    };
    const onYes = () => finish(true);
    const onNo = () => finish(false);
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') finish(false);
    };
    yes.addEventListener('click', onYes);
    no.addEventListener('click', onNo);
    modal.addEventListener('keydown', onKey);
  });
}

messages.addEventListener('click', (event) => {
  const target = event.target as HTMLElement;
  const toggle = target.closest<HTMLElement>('[data-thread]');
  if (toggle?.dataset.thread) {
    const ts = toggle.dataset.thread;
    if (expandedThreads.has(ts)) expandedThreads.delete(ts);
    else expandedThreads.add(ts);
    renderTimeline();
    return;
  }
  const more = target.closest<HTMLElement>('[data-more]');
  if (more?.dataset.more) {
    const box = more.getBoundingClientRect();
    messageMenu.dataset.ts = more.dataset.more;
    messageMenu.style.top = `${Math.round(box.bottom + 4)}px`;
    messageMenu.style.left = `${Math.round(Math.max(8, box.right - 240))}px`;
    messageMenu.hidden = false;
    return;
  }
  const dismiss = target.closest<HTMLElement>('[data-dismiss]');
  if (dismiss?.dataset.dismiss) {
    dismissed.add(dismiss.dataset.dismiss);
    renderTimeline();
    return;
  }
  const button = target.closest<HTMLButtonElement>('button.sk-button');
  if (button) void click(button);
});

async function click(button: HTMLButtonElement): Promise<void> {
  const holder = button.closest<HTMLElement>('.msg');
  const item = items.find((candidate) => candidate.key === holder?.dataset.key);
  if (!item?.ts) return;
  const element = button.dataset.element === 'accessory' ? 'accessory' : Number(button.dataset.element);
  const path: ButtonPath = { block: Number(button.dataset.block), element };
  const spec = buttonAt(item.blocks, path);
  if (!spec) return;
  if (!(await askToConfirm(spec.confirm))) return;
  if (typeof spec.url === 'string' && /^https?:\/\//.test(spec.url))
    window.open(spec.url, '_blank', 'noopener');
  button.disabled = true;
  button.classList.add('busy');
  try {
    await post('/api/click', { user: me, kind: item.kind, ts: item.ts, path });
  } finally {
    button.disabled = false;
    button.classList.remove('busy');
  }
}

byId('shortcuts-button').addEventListener('click', () => {
  shortcutMenu.hidden = !shortcutMenu.hidden;
});
shortcutMenu.addEventListener('click', (event) => {
  if (!(event.target as HTMLElement).closest('[data-shortcut]')) return;
  shortcutMenu.hidden = true;
  void post('/api/shortcut', { user: me });
});
messageMenu.addEventListener('click', (event) => {
  if (!(event.target as HTMLElement).closest('[data-shortcut]')) return;
  messageMenu.hidden = true;
  void post('/api/shortcut', { user: me, ts: messageMenu.dataset.ts });
});
document.addEventListener('click', (event) => {
  const target = event.target as HTMLElement;
  if (!target.closest('#shortcut-menu, #shortcuts-button')) shortcutMenu.hidden = true;
  if (!target.closest('#message-menu, [data-more]')) messageMenu.hidden = true;
});

const views = setupViews({
  me: () => me,
  context,
  channel: () => config?.channel ?? { id: 'C0INCIDENTS', name: 'incidents' },
  post,
  confirm: askToConfirm,
});
byId('channel-link').addEventListener('click', () => void views.showChannel());
byId('home-link').addEventListener('click', () => void views.showHome());

alertForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(alertForm);
  const submit = alertForm.querySelector<HTMLButtonElement>('button[type=submit]');
  if (submit) submit.disabled = true;
  alertResult.textContent = 'Posting…';
  alertResult.className = 'alert-result';
  void post('/api/alert', {
    key: data.get('key'),
    title: data.get('title'),
    text: data.get('text'),
    severity: data.get('severity'),
  })
    .then((answer) => {
      const status = Number(answer.status);
      const body = answer.body as Record<string, unknown> | string | undefined;
      const ok = status === 200;
      alertResult.className = `alert-result ${ok ? 'ok' : 'failed'}`;
      alertResult.replaceChildren(
        h('strong', {}, `POST /alerts → ${status || 'no answer'}`),
        h('code', {}, typeof body === 'string' ? body : JSON.stringify(body)),
      );
    })
    .finally(() => {
      if (submit) submit.disabled = false;
    });
});

stormButton.addEventListener('click', () => {
  stormButton.disabled = true;
  stormResult.textContent = 'Forty keys alerting at once…';
  stormResult.className = 'alert-result';
  void post('/api/storm', {})
    .then((answer) => {
      const body = answer.body as
        | { keys?: number; answers?: Record<string, number>; error?: string }
        | undefined;
      const ok = Number(answer.status) === 200;
      stormResult.className = `alert-result ${ok ? 'ok' : 'failed'}`;
      stormResult.replaceChildren(
        h('strong', {}, ok ? `${body?.keys ?? 0} alerts sent` : 'No storm'),
        h(
          'code',
          {},
          ok
            ? Object.entries(body?.answers ?? {})
                .map(([status, count]) => `${count} × ${status}`)
                .join(', ')
            : String(body?.error ?? ''),
        ),
      );
    })
    .finally(() => {
      stormButton.disabled = false;
    });
});

// ---- the QStash side panel -----------------------------------------------------------------------------------

function limit(count: number, max: number): string {
  if (max <= 0) return '—';
  return `${count.toLocaleString('en-US')}/${max.toLocaleString('en-US')}`;
}

function period(seconds: number): string | undefined {
  if (seconds <= 0) return undefined;
  return seconds % 60 === 0 ? `per ${seconds / 60} min` : `per ${seconds} s`;
}

function keyRow(key: PanelKey): HTMLElement {
  // Flowbot's words for a key: it is paused, or it is delivering (even with nothing waiting).
  const state = key.paused ? 'paused' : 'delivering';
  const pins = [key.pinnedParallelism ? 'parallelism' : '', key.pinnedRate ? 'rate' : ''].filter(Boolean);
  return h(
    'tr',
    { class: `key-row key-${state}`, 'data-key-name': key.key },
    h(
      'td',
      { class: 'key-name' },
      h('code', {}, key.key),
      pins.length ? h('span', { class: 'pin', title: `pinned: ${pins.join(', ')}` }, ' 📌') : undefined,
    ),
    h(
      'td',
      {},
      h('span', { class: `badge badge-${state}` }, state === 'paused' ? '⏸️ paused' : '▶️ delivering'),
    ),
    h('td', { class: 'num key-waiting' }, key.waiting.toLocaleString('en-US')),
    h('td', { class: 'num' }, limit(key.parallelismCount, key.parallelismMax)),
    h('td', { class: 'num', title: period(key.ratePeriod) }, limit(key.rateCount, key.rateMax)),
  );
}

function renderKeys(panel: PanelState): void {
  keysBody.replaceChildren(...panel.keys.map(keyRow));
  keyNames.replaceChildren(
    ...panel.keys.filter((k) => k.key !== '$').map((k) => h('option', { value: k.key })),
  );
  const notes: string[] = [];
  if (panel.global)
    notes.push(
      `Global parallelism ${panel.global.count.toLocaleString('en-US')}/${panel.global.max.toLocaleString('en-US')}`,
    );
  if (panel.problem) notes.push(panel.problem);
  if (panel.checkedAt) notes.push(`checked ${new Date(panel.checkedAt).toLocaleTimeString('en-US')}`);
  keysNote.textContent = notes.join(' · ');
}

// ---- the live feed -------------------------------------------------------------------------------------------

function applyConfig(next: PageConfig): void {
  config = next;
  byId('channel-name').textContent = `# ${next.channel.name}`;
  byId('keys-source').textContent =
    next.mode === 'qstash' ? `your QStash project (${next.qstashUrl})` : 'local QStash emulator';
  if (next.mode === 'qstash') {
    banner.hidden = false;
    banner.textContent = `Real QStash: this sandbox uses your QStash project at ${next.qstashUrl} (QSTASH_TOKEN is set). Pausing, resuming and pinning here change it for real. Slack is still a local stand-in.`;
  } else banner.hidden = true;
  renderPeople();
}

function connect(): void {
  const events = new EventSource('/events');
  events.addEventListener('open', () => {
    connection.textContent = 'live';
    connection.className = 'connection live';
  });
  events.addEventListener('error', () => {
    connection.textContent = 'reconnecting…';
    connection.className = 'connection down';
  });
  events.addEventListener('config', (event) => applyConfig(JSON.parse((event as MessageEvent<string>).data)));
  events.addEventListener('timeline', (event) => {
    items = JSON.parse((event as MessageEvent<string>).data);
    renderTimeline();
  });
  events.addEventListener('keys', (event) => renderKeys(JSON.parse((event as MessageEvent<string>).data)));
  events.addEventListener('views', (event) => views.apply(JSON.parse((event as MessageEvent<string>).data)));
}

connect();
input.focus();
