import type { PageView, ViewsState } from '../protocol.js';
import {
  type ButtonPath,
  buttonAt,
  type FormValue,
  initialFormValue,
  type RenderContext,
  renderBlocks,
  renderMessage,
} from '../render-blocks.js';
import { h, toDom } from './dom.js';

/**
 * The page's views: the Home tab Flowbot publishes for the person, the modal it opens for them, and its
 * private messages to them. Every click, keystroke in a menu and submission goes to the sandbox server, which
 * delivers it to Flowbot as Slack would (signed block_actions, block_suggestion, view_submission).
 */

export interface ViewDeps {
  me(): string;
  context(): RenderContext;
  channel(): { id: string; name: string };
  post(path: string, body: unknown): Promise<Record<string, unknown>>;
  /** Asks before a button with a confirm dialog acts; resolves true to go on. */
  confirm(spec: unknown): Promise<boolean>;
}

const byId = <T extends HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
};

export function setupViews(deps: ViewDeps) {
  const homeView = byId<HTMLDivElement>('home-view');
  const homeMessages = byId<HTMLDivElement>('home-messages');
  const modal = byId<HTMLDivElement>('view-modal');
  const title = byId<HTMLHeadingElement>('view-title');
  const body = byId<HTMLDivElement>('view-body');
  const formElement = byId<HTMLFormElement>('view-form');
  const submit = byId<HTMLButtonElement>('view-submit');
  const close = byId<HTMLButtonElement>('view-close');

  let state: ViewsState = { homes: {}, modals: [], messages: {} };
  let onHome = false;
  let openModal: PageView | undefined;
  let drawnModal = '';
  let drawnHome = '';
  let values: Record<string, FormValue> = {};
  let errors: Record<string, string> = {};
  let suggestTimer: number | undefined;

  const formContext = () => ({
    values,
    errors,
    conversations: [deps.channel()],
    currentConversation: deps.channel().id,
  });

  function drawHome(): void {
    if (!onHome) return;
    const view = state.homes[deps.me()];
    const messages = state.messages[deps.me()] ?? [];
    const signature = `${deps.me()}|${view?.hash ?? ''}|${messages.length}`;
    if (signature === drawnHome) return;
    drawnHome = signature;
    homeView.replaceChildren(
      view
        ? toDom(renderBlocks(view.blocks, deps.context()))
        : h('div', { class: 'empty' }, 'Opening the Home tab…'),
    );
    homeView.dataset.view = view?.id ?? '';
    homeMessages.replaceChildren(
      ...(messages.length === 0
        ? [h('div', { class: 'panel-sub' }, 'Private answers to your clicks on the Home tab appear here.')]
        : messages.map((message) =>
            h('div', { class: 'msg msg-dm' }, toDom(renderMessage(message, deps.context()))),
          )),
    );
  }

  function drawModal(): void {
    const mine = state.modals.find((view) => view.user === deps.me());
    if (!mine) {
      modal.hidden = true;
      openModal = undefined;
      drawnModal = '';
      return;
    }
    if (openModal?.id !== mine.id) {
      values = {};
      errors = {};
    }
    openModal = mine;
    const signature = `${mine.id}|${mine.hash}`;
    if (signature === drawnModal && !modal.hidden) return;
    drawnModal = signature;
    // Slack keeps what was entered in inputs whose block_id stays; new ones start from their initial values.
    const kept: Record<string, FormValue> = {};
    for (const block of mine.blocks as { type?: unknown; block_id?: unknown; element?: unknown }[]) {
      if (block.type !== 'input' || typeof block.block_id !== 'string') continue;
      kept[block.block_id] = values[block.block_id] ?? initialFormValue(block.element, formContext());
    }
    values = kept;
    title.textContent = mine.title ?? 'Flowbot';
    submit.hidden = mine.submit === undefined;
    submit.textContent = mine.submit ?? 'Submit';
    close.textContent = mine.close ?? 'Cancel';
    body.replaceChildren(toDom(renderBlocks(mine.blocks, { ...deps.context(), form: formContext() })));
    modal.hidden = false;
  }

  function apply(next: ViewsState): void {
    state = next;
    drawHome();
    drawModal();
  }

  async function open(home: boolean): Promise<void> {
    onHome = home;
    byId('home-pane').hidden = !home;
    byId('channel-pane').hidden = home;
    byId('home-link').classList.toggle('active', home);
    byId('channel-link').classList.toggle('active', !home);
    drawnHome = '';
    drawHome();
    // As in Slack, every visit to the Home tab tells the app it was opened.
    if (home) await deps.post('/api/home', { user: deps.me() });
  }

  homeView.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button.sk-button');
    const view = state.homes[deps.me()];
    if (!button || !view) return;
    const element = button.dataset.element === 'accessory' ? 'accessory' : Number(button.dataset.element);
    const path: ButtonPath = { block: Number(button.dataset.block), element };
    void (async () => {
      if (!(await deps.confirm(buttonAt(view.blocks, path)?.confirm))) return;
      button.disabled = true;
      try {
        await deps.post('/api/view-click', { user: deps.me(), view: view.id, path });
      } finally {
        button.disabled = false;
      }
    })();
  });

  const entry = (target: HTMLElement) => {
    const blockId = target.dataset.blockId;
    return blockId ? { blockId, actionId: target.dataset.actionId ?? blockId } : undefined;
  };

  body.addEventListener('input', (event) => {
    const target = event.target as HTMLInputElement;
    const at = entry(target);
    if (!at || !openModal) return;
    if (target.dataset.kind === 'plain_text_input' || target.dataset.kind === 'number_input') {
      values = { ...values, [at.blockId]: { value: target.value } };
      return;
    }
    if (target.dataset.kind === 'external_select') {
      const view = openModal;
      window.clearTimeout(suggestTimer);
      suggestTimer = window.setTimeout(() => void suggest(view, at, target.value), 150);
    }
  });

  body.addEventListener('focusin', (event) => {
    const target = event.target as HTMLInputElement;
    const at = entry(target);
    if (at && openModal && target.dataset.kind === 'external_select') void suggest(openModal, at, '');
  });

  async function suggest(
    view: PageView,
    at: { blockId: string; actionId: string },
    typed: string,
  ): Promise<void> {
    const answer = await deps.post('/api/options', { user: deps.me(), view: view.id, ...at, value: typed });
    const list = body.querySelector<HTMLDivElement>(`.sk-suggestions[data-for="${CSS.escape(at.blockId)}"]`);
    if (!list) return;
    type Shown = { value?: unknown; text?: { text?: unknown }; description?: { text?: unknown } };
    const options = Array.isArray(answer.options) ? (answer.options as Shown[]) : [];
    list.replaceChildren(
      ...(options.length === 0
        ? [h('div', { class: 'sk-suggestion-empty' }, 'No results')]
        : options.map((option) =>
            h(
              'button',
              {
                type: 'button',
                role: 'option',
                class: 'sk-suggestion',
                'data-value': String(option.value ?? ''),
                'data-text': String(option.text?.text ?? ''),
              },
              h('span', { class: 'sk-suggestion-text' }, String(option.text?.text ?? '')),
              typeof option.description?.text === 'string'
                ? h('small', { class: 'sk-suggestion-description' }, option.description.text)
                : undefined,
            ),
          )),
    );
    list.classList.add('open');
  }

  body.addEventListener('click', (event) => {
    const choice = (event.target as HTMLElement).closest<HTMLButtonElement>('button.sk-suggestion');
    const list = choice?.closest<HTMLDivElement>('.sk-suggestions');
    const blockId = list?.dataset.for;
    if (!choice || !list || !blockId) return;
    const option = { text: choice.dataset.text ?? '', value: choice.dataset.value ?? '' };
    values = { ...values, [blockId]: { option } };
    const input = list.parentElement?.querySelector<HTMLInputElement>('input');
    if (input) input.value = option.text;
    list.classList.remove('open');
    list.replaceChildren();
  });

  body.addEventListener('change', (event) => {
    const target = event.target as HTMLInputElement | HTMLSelectElement;
    const at = entry(target);
    if (!at || !openModal) return;
    let next: FormValue;
    if (target.dataset.kind === 'conversations_select') next = { conversation: target.value };
    else if (target instanceof HTMLSelectElement) {
      const chosen = target.selectedOptions[0];
      next = target.value
        ? { option: { text: chosen?.textContent ?? target.value, value: target.value } }
        : {};
    } else if (target.type === 'radio')
      next = { option: { text: target.dataset.text ?? target.value, value: target.value } };
    else return;
    values = { ...values, [at.blockId]: next };
    if (target.dataset.dispatch === 'true' && next.option)
      void deps.post('/api/view-select', {
        user: deps.me(),
        view: openModal.id,
        ...at,
        option: next.option,
        form: values,
      });
  });

  formElement.addEventListener('submit', (event) => {
    event.preventDefault();
    const view = openModal;
    if (!view) return;
    submit.disabled = true;
    void deps
      .post('/api/view-submit', { user: deps.me(), view: view.id, form: values })
      .then((answer) => {
        errors = (answer.errors as Record<string, string> | undefined) ?? {};
        if (Object.keys(errors).length > 0) {
          drawnModal = '';
          drawModal();
        }
      })
      .finally(() => {
        submit.disabled = false;
      });
  });

  const dismiss = () => {
    if (openModal) void deps.post('/api/view-close', { user: deps.me(), view: openModal.id });
  };
  close.addEventListener('click', dismiss);
  modal.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') dismiss();
  });

  return {
    apply,
    showHome: () => open(true),
    showChannel: () => open(false),
    /** Someone else is at the keyboard now. */
    personChanged(): void {
      drawnHome = '';
      drawnModal = '';
      openModal = undefined;
      if (onHome) void open(true);
      drawModal();
    },
  };
}
