/**
 * Slack's Block Kit rules, as a pure function: given what Flowbot sends to `chat.postMessage`,
 * `chat.postEphemeral`, `chat.update`, a response_url, `views.publish` or `views.open`, it answers with the error
 * Slack would answer (`invalid_blocks`, `msg_too_long`, `msg_blocks_too_long`, `no_text`, `invalid_arguments`, …)
 * and Slack-style details naming the field at fault, or with nothing when Slack would accept it.
 *
 * Sources: Slack's Block Kit reference (blocks, block elements, composition objects, views: docs.slack.dev /
 * api.slack.com "reference/block-kit"), the chat.* and views.* method pages for the error codes, and
 * `reference/slack-facts.md`. Where Slack documents nothing, the rule is the stricter reading and says so.
 * Lengths are counted in UTF-16 code units, as JavaScript counts them: an emoji counts two, which can only
 * make this stricter than Slack, never kinder.
 */

/** Every number the validator enforces, named after the field it limits. */
export const BLOCK_KIT_LIMITS = {
  /** Blocks in a message (and in each legacy attachment). */
  messageBlocks: 50,
  /** Blocks in a modal or Home tab view. */
  viewBlocks: 100,
  /** Top-level `text` of a message; longer is `msg_too_long`. */
  messageText: 40_000,
  /**
   * Undocumented: the whole `blocks` array, serialised as JSON, in characters. Past it Slack answers
   * `msg_blocks_too_long` although every single block is within its limits. Reported at "~13,200 characters"
   * (slackapi/bolt-js#2509: refused from 13,297 characters of markdown blocks, where Slack staff spoke of
   * "12,000 text characters with a buffer for block containers") and at 11,341 characters of *text* in verbose
   * rich_text blocks (slackapi/bolt-js#2867), which fits a limit on the serialised size rather than on the
   * text. 13,200 is the lower of the reported figures.
   */
  messageBlocksJson: 13_200,
  /** Legacy attachments per message (`too_many_attachments`). */
  attachments: 100,
  /** Legacy interactive actions per attachment. */
  attachmentActions: 5,
  blockId: 255,
  actionId: 255,
  /** Any text object not limited more tightly below. */
  text: 3_000,
  sectionText: 3_000,
  sectionFields: 10,
  sectionFieldText: 2_000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2_000,
  url: 3_000,
  accessibilityLabel: 75,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  placeholder: 150,
  selectOptions: 100,
  optionGroups: 100,
  optionGroupLabel: 75,
  optionText: 75,
  optionValue: 150,
  optionDescription: 75,
  overflowOptionsMin: 1,
  overflowOptionsMax: 5,
  /** Checkboxes and radio buttons. */
  choiceOptions: 10,
  imageAltText: 2_000,
  imageTitle: 2_000,
  inputLabel: 2_000,
  inputHint: 2_000,
  plainTextInputLength: 3_000,
  videoTitle: 200,
  /** One markdown block, and all markdown blocks of a payload together. */
  markdownText: 12_000,
  viewTitle: 24,
  viewButton: 24,
  privateMetadata: 3_000,
  callbackId: 255,
  externalId: 255,
} as const;

/** What Slack answers: the error code, and its details (each ends with `[json-pointer:/…]`). */
export interface SlackRefusal {
  readonly error: string;
  readonly details: readonly string[];
}

export type MessageMethod =
  | 'chat.postMessage'
  | 'chat.postEphemeral'
  | 'chat.update'
  | 'chat.scheduleMessage'
  | 'response_url';

export type ViewMethod = 'views.publish' | 'views.open' | 'views.update' | 'views.push';

type Surface = 'message' | 'modal' | 'home';

const L = BLOCK_KIT_LIMITS;

/** At most this many details are kept: Slack lists several, and a test failure should stay readable. */
const MAX_DETAILS = 20;

class Problems {
  readonly list: string[] = [];
  markdownTotal = 0;

  add(pointer: string, message: string): void {
    if (this.list.length < MAX_DETAILS) this.list.push(`${message} [json-pointer:${pointer}]`);
  }

  get empty(): boolean {
    return this.list.length === 0;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function at(pointer: string, name: string | number): string {
  return `${pointer}/${String(name).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** A string field: absent is fine unless required; present must be a string of 1..max characters. */
function stringField(
  p: Problems,
  owner: Record<string, unknown>,
  name: string,
  pointer: string,
  max: number,
  options: { required?: boolean; min?: number } = {},
): string | undefined {
  const value = owner[name];
  const where = at(pointer, name);
  if (value === undefined) {
    if (options.required) p.add(pointer, `missing required field: ${name}`);
    return undefined;
  }
  if (typeof value !== 'string') {
    p.add(where, 'must be a string');
    return undefined;
  }
  const min = options.min ?? 1;
  if (value.length < min) p.add(where, `must be more than ${min - 1} characters`);
  if (value.length > max) p.add(where, `must be less than ${max + 1} characters`);
  return value;
}

function booleanField(p: Problems, owner: Record<string, unknown>, name: string, pointer: string): void {
  const value = owner[name];
  if (value !== undefined && typeof value !== 'boolean') p.add(at(pointer, name), 'must be a boolean');
}

function enumField(
  p: Problems,
  owner: Record<string, unknown>,
  name: string,
  pointer: string,
  allowed: readonly string[],
): void {
  const value = owner[name];
  if (value !== undefined && !(typeof value === 'string' && allowed.includes(value)))
    p.add(at(pointer, name), `must be one of ${allowed.join(', ')}`);
}

function arrayField(
  p: Problems,
  owner: Record<string, unknown>,
  name: string,
  pointer: string,
  min: number,
  max: number,
  options: { required?: boolean } = {},
): unknown[] | undefined {
  const value = owner[name];
  const where = at(pointer, name);
  if (value === undefined) {
    if (options.required) p.add(pointer, `missing required field: ${name}`);
    return undefined;
  }
  if (!Array.isArray(value)) {
    p.add(where, 'must be an array');
    return undefined;
  }
  if (value.length < min) p.add(where, `must provide at least ${min} items`);
  if (value.length > max) p.add(where, `no more than ${max} items allowed`);
  return value;
}

/**
 * A text object: `plain_text` or `mrkdwn` (only `plain_text` where Slack says so), never empty, at most `max`
 * characters; `emoji` belongs to plain_text and `verbatim` to mrkdwn.
 */
function textObject(p: Problems, value: unknown, pointer: string, max: number, plainOnly: boolean): void {
  if (!isObject(value)) {
    p.add(pointer, 'must be a text object');
    return;
  }
  const type = value.type;
  if (type !== 'plain_text' && type !== 'mrkdwn') {
    p.add(at(pointer, 'type'), 'must be one of plain_text, mrkdwn');
    return;
  }
  if (plainOnly && type !== 'plain_text') p.add(at(pointer, 'type'), 'must be plain_text');
  stringField(p, value, 'text', pointer, max, { required: true });
  if (type === 'plain_text') {
    booleanField(p, value, 'emoji', pointer);
    if (value.verbatim !== undefined) p.add(at(pointer, 'verbatim'), 'is allowed only in mrkdwn text');
  } else {
    booleanField(p, value, 'verbatim', pointer);
    if (value.emoji !== undefined) p.add(at(pointer, 'emoji'), 'is allowed only in plain_text text');
  }
}

function optionalText(
  p: Problems,
  owner: Record<string, unknown>,
  name: string,
  pointer: string,
  max: number,
  plainOnly: boolean,
  required = false,
): void {
  const value = owner[name];
  if (value === undefined) {
    if (required) p.add(pointer, `missing required field: ${name}`);
    return;
  }
  textObject(p, value, at(pointer, name), max, plainOnly);
}

function confirmObject(p: Problems, owner: Record<string, unknown>, pointer: string): void {
  const value = owner.confirm;
  if (value === undefined) return;
  const where = at(pointer, 'confirm');
  if (!isObject(value)) {
    p.add(where, 'must be a confirm object');
    return;
  }
  optionalText(p, value, 'title', where, L.confirmTitle, true, true);
  optionalText(p, value, 'text', where, L.confirmText, false, true);
  optionalText(p, value, 'confirm', where, L.confirmButton, true, true);
  optionalText(p, value, 'deny', where, L.confirmButton, true, true);
  enumField(p, value, 'style', where, ['primary', 'danger']);
}

/** An option of a select, overflow, checkboxes or radio buttons; `url` only in an overflow menu. */
function optionObject(
  p: Problems,
  value: unknown,
  pointer: string,
  options: { plainOnly: boolean; allowUrl: boolean },
): string | undefined {
  if (!isObject(value)) {
    p.add(pointer, 'must be an option object');
    return undefined;
  }
  optionalText(p, value, 'text', pointer, L.optionText, options.plainOnly, true);
  const v = stringField(p, value, 'value', pointer, L.optionValue, { required: !options.allowUrl });
  optionalText(p, value, 'description', pointer, L.optionDescription, true);
  if (options.allowUrl) stringField(p, value, 'url', pointer, L.url);
  else if (value.url !== undefined) p.add(at(pointer, 'url'), 'is allowed only in overflow menu options');
  return v;
}

function optionList(
  p: Problems,
  list: unknown[] | undefined,
  pointer: string,
  options: { plainOnly: boolean; allowUrl: boolean },
): Set<string> {
  const values = new Set<string>();
  (list ?? []).forEach((option, index) => {
    const v = optionObject(p, option, at(pointer, index), options);
    if (v !== undefined) values.add(v);
  });
  return values;
}

function actionId(p: Problems, element: Record<string, unknown>, pointer: string, seen: Set<string>): void {
  const id = stringField(p, element, 'action_id', pointer, L.actionId);
  if (id === undefined) return;
  if (seen.has(id)) p.add(at(pointer, 'action_id'), `duplicate action_id: ${id}`);
  seen.add(id);
}

function imageSource(p: Problems, element: Record<string, unknown>, pointer: string): void {
  if (element.image_url === undefined && element.slack_file === undefined)
    p.add(pointer, 'must provide either image_url or slack_file');
  stringField(p, element, 'image_url', pointer, L.url);
  if (element.slack_file !== undefined && !isObject(element.slack_file))
    p.add(at(pointer, 'slack_file'), 'must be a slack file object');
  stringField(p, element, 'alt_text', pointer, L.imageAltText, { required: true });
}

const SELECTS = [
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
] as const;
const MULTI_SELECTS = SELECTS.map((type) => `multi_${type}`);

const ACCESSORY_ELEMENTS = new Set<string>([
  'button',
  'checkboxes',
  'datepicker',
  'image',
  'overflow',
  'radio_buttons',
  'timepicker',
  'workflow_button',
  ...SELECTS,
  ...MULTI_SELECTS,
]);
const ACTIONS_ELEMENTS = new Set<string>([
  'button',
  'checkboxes',
  'datepicker',
  'datetimepicker',
  'overflow',
  'radio_buttons',
  'timepicker',
  'workflow_button',
  'rich_text_input',
  ...SELECTS,
  ...MULTI_SELECTS,
]);
const INPUT_ELEMENTS = new Set<string>([
  'checkboxes',
  'datepicker',
  'datetimepicker',
  'email_text_input',
  'file_input',
  'number_input',
  'plain_text_input',
  'radio_buttons',
  'rich_text_input',
  'timepicker',
  'url_text_input',
  ...SELECTS,
  ...MULTI_SELECTS,
]);

/** One interactive (or image) element, in a section accessory, an actions block or an input block. */
function element(
  p: Problems,
  value: unknown,
  pointer: string,
  allowed: ReadonlySet<string>,
  actionIds: Set<string>,
): void {
  if (!isObject(value)) {
    p.add(pointer, 'must be an element object');
    return;
  }
  const type = value.type;
  if (typeof type !== 'string' || !allowed.has(type)) {
    p.add(at(pointer, 'type'), `unsupported type: ${String(type)}`);
    return;
  }
  if (type === 'image') {
    imageSource(p, value, pointer);
    return;
  }
  actionId(p, value, pointer, actionIds);
  switch (type) {
    case 'button':
      optionalText(p, value, 'text', pointer, L.buttonText, true, true);
      stringField(p, value, 'value', pointer, L.buttonValue);
      stringField(p, value, 'url', pointer, L.url);
      enumField(p, value, 'style', pointer, ['primary', 'danger']);
      stringField(p, value, 'accessibility_label', pointer, L.accessibilityLabel);
      confirmObject(p, value, pointer);
      return;
    case 'overflow': {
      const options = arrayField(p, value, 'options', pointer, L.overflowOptionsMin, L.overflowOptionsMax, {
        required: true,
      });
      optionList(p, options, at(pointer, 'options'), { plainOnly: true, allowUrl: true });
      confirmObject(p, value, pointer);
      return;
    }
    case 'checkboxes':
    case 'radio_buttons': {
      const options = arrayField(p, value, 'options', pointer, 1, L.choiceOptions, { required: true });
      const values = optionList(p, options, at(pointer, 'options'), { plainOnly: false, allowUrl: false });
      initialOptions(p, value, pointer, values, type === 'checkboxes');
      confirmObject(p, value, pointer);
      return;
    }
    case 'plain_text_input': {
      optionalText(p, value, 'placeholder', pointer, L.placeholder, true);
      stringField(p, value, 'initial_value', pointer, L.plainTextInputLength, { min: 0 });
      booleanField(p, value, 'multiline', pointer);
      const min = value.min_length;
      const max = value.max_length;
      if (min !== undefined && !(Number.isInteger(min) && (min as number) >= 0 && (min as number) <= 3000))
        p.add(at(pointer, 'min_length'), 'must be an integer from 0 to 3000');
      if (max !== undefined && !(Number.isInteger(max) && (max as number) >= 1 && (max as number) <= 3000))
        p.add(at(pointer, 'max_length'), 'must be an integer from 1 to 3000');
      if (typeof min === 'number' && typeof max === 'number' && min > max)
        p.add(at(pointer, 'min_length'), 'must not be greater than max_length');
      return;
    }
    case 'number_input':
      if (typeof value.is_decimal_allowed !== 'boolean')
        p.add(pointer, 'missing required field: is_decimal_allowed');
      optionalText(p, value, 'placeholder', pointer, L.placeholder, true);
      return;
    case 'datepicker':
    case 'timepicker':
    case 'datetimepicker':
    case 'email_text_input':
    case 'url_text_input':
      optionalText(p, value, 'placeholder', pointer, L.placeholder, true);
      confirmObject(p, value, pointer);
      return;
    case 'rich_text_input':
    case 'file_input':
    case 'workflow_button':
      return;
  }
  // Select menus, single and multi.
  const multi = type.startsWith('multi_');
  optionalText(p, value, 'placeholder', pointer, L.placeholder, true);
  confirmObject(p, value, pointer);
  if (multi && value.max_selected_items !== undefined) {
    const n = value.max_selected_items;
    if (!Number.isInteger(n) || (n as number) < 1)
      p.add(at(pointer, 'max_selected_items'), 'must be an integer of at least 1');
  }
  if (type.endsWith('static_select')) {
    const values = new Set<string>();
    const hasOptions = value.options !== undefined;
    const hasGroups = value.option_groups !== undefined;
    if (hasOptions === hasGroups) p.add(pointer, 'must provide exactly one of options, option_groups');
    const options = arrayField(p, value, 'options', pointer, 1, L.selectOptions);
    for (const v of optionList(p, options, at(pointer, 'options'), { plainOnly: true, allowUrl: false }))
      values.add(v);
    const groups = arrayField(p, value, 'option_groups', pointer, 1, L.optionGroups);
    (groups ?? []).forEach((group, index) => {
      const where = at(at(pointer, 'option_groups'), index);
      if (!isObject(group)) {
        p.add(where, 'must be an option group object');
        return;
      }
      optionalText(p, group, 'label', where, L.optionGroupLabel, true, true);
      const grouped = arrayField(p, group, 'options', where, 1, L.selectOptions, { required: true });
      for (const v of optionList(p, grouped, at(where, 'options'), { plainOnly: true, allowUrl: false }))
        values.add(v);
    });
    initialOptions(p, value, pointer, values, multi);
  } else if (type.endsWith('external_select')) {
    const n = value.min_query_length;
    if (n !== undefined && (!Number.isInteger(n) || (n as number) < 0))
      p.add(at(pointer, 'min_query_length'), 'must be a non-negative integer');
    if (multi) arrayField(p, value, 'initial_options', pointer, 0, L.selectOptions);
    else if (value.initial_option !== undefined)
      optionObject(p, value.initial_option, at(pointer, 'initial_option'), {
        plainOnly: true,
        allowUrl: false,
      });
  }
}

/** Slack refuses an initial option that is not one of the element's own options. */
function initialOptions(
  p: Problems,
  owner: Record<string, unknown>,
  pointer: string,
  values: ReadonlySet<string>,
  multi: boolean,
): void {
  const check = (option: unknown, where: string) => {
    const v = isObject(option) ? option.value : undefined;
    if (typeof v !== 'string' || !values.has(v)) p.add(where, 'must match one of the options');
  };
  if (multi) {
    const list = arrayField(p, owner, 'initial_options', pointer, 0, L.selectOptions);
    (list ?? []).forEach((option, index) => {
      check(option, at(at(pointer, 'initial_options'), index));
    });
  } else if (owner.initial_option !== undefined) {
    check(owner.initial_option, at(pointer, 'initial_option'));
  }
}

const KNOWN_BLOCKS: Record<Surface, ReadonlySet<string>> = {
  message: new Set([
    'actions',
    'context',
    'divider',
    'file',
    'header',
    'image',
    'input',
    'markdown',
    'rich_text',
    'section',
    'video',
  ]),
  modal: new Set([
    'actions',
    'context',
    'divider',
    'header',
    'image',
    'input',
    'rich_text',
    'section',
    'video',
  ]),
  home: new Set([
    'actions',
    'context',
    'divider',
    'header',
    'image',
    'input',
    'rich_text',
    'section',
    'video',
  ]),
};

function block(p: Problems, value: unknown, pointer: string, surface: Surface, blockIds: Set<string>): void {
  if (!isObject(value)) {
    p.add(pointer, 'must be a block object');
    return;
  }
  const type = value.type;
  if (typeof type !== 'string' || !KNOWN_BLOCKS[surface].has(type)) {
    p.add(at(pointer, 'type'), `unsupported type: ${String(type)}`);
    return;
  }
  const id = stringField(p, value, 'block_id', pointer, L.blockId);
  if (id !== undefined) {
    if (blockIds.has(id)) p.add(at(pointer, 'block_id'), `duplicate block_id: ${id}`);
    blockIds.add(id);
  }
  const actionIds = new Set<string>();
  switch (type) {
    case 'section': {
      if (value.text === undefined && value.fields === undefined)
        p.add(pointer, 'must provide either text or fields');
      optionalText(p, value, 'text', pointer, L.sectionText, false);
      const fields = arrayField(p, value, 'fields', pointer, 1, L.sectionFields);
      (fields ?? []).forEach((field, index) => {
        textObject(p, field, at(at(pointer, 'fields'), index), L.sectionFieldText, false);
      });
      if (value.accessory !== undefined)
        element(p, value.accessory, at(pointer, 'accessory'), ACCESSORY_ELEMENTS, actionIds);
      return;
    }
    case 'header':
      optionalText(p, value, 'text', pointer, L.headerText, true, true);
      return;
    case 'context': {
      const elements = arrayField(p, value, 'elements', pointer, 1, L.contextElements, { required: true });
      (elements ?? []).forEach((item, index) => {
        const where = at(at(pointer, 'elements'), index);
        if (isObject(item) && item.type === 'image') imageSource(p, item, where);
        else textObject(p, item, where, L.text, false);
      });
      return;
    }
    case 'actions': {
      const elements = arrayField(p, value, 'elements', pointer, 1, L.actionsElements, { required: true });
      (elements ?? []).forEach((item, index) => {
        element(p, item, at(at(pointer, 'elements'), index), ACTIONS_ELEMENTS, actionIds);
      });
      return;
    }
    case 'divider':
      return;
    case 'image':
      imageSource(p, value, pointer);
      optionalText(p, value, 'title', pointer, L.imageTitle, true);
      return;
    case 'input':
      optionalText(p, value, 'label', pointer, L.inputLabel, true, true);
      optionalText(p, value, 'hint', pointer, L.inputHint, true);
      booleanField(p, value, 'optional', pointer);
      booleanField(p, value, 'dispatch_action', pointer);
      if (value.element === undefined) p.add(pointer, 'missing required field: element');
      else element(p, value.element, at(pointer, 'element'), INPUT_ELEMENTS, actionIds);
      return;
    case 'rich_text':
      arrayField(p, value, 'elements', pointer, 1, Number.MAX_SAFE_INTEGER, { required: true });
      return;
    case 'markdown': {
      const text = stringField(p, value, 'text', pointer, L.markdownText, { required: true });
      p.markdownTotal += text?.length ?? 0;
      return;
    }
    case 'video':
      optionalText(p, value, 'title', pointer, L.videoTitle, true, true);
      stringField(p, value, 'video_url', pointer, L.url, { required: true });
      stringField(p, value, 'thumbnail_url', pointer, L.url, { required: true });
      stringField(p, value, 'alt_text', pointer, L.imageAltText, { required: true });
      return;
    case 'file':
      stringField(p, value, 'external_id', pointer, L.externalId, { required: true });
      enumField(p, value, 'source', pointer, ['remote']);
      return;
  }
}

/** A list of blocks: at most `max`, every block valid, block_ids unique within the list. */
function blockList(p: Problems, blocks: unknown[], pointer: string, surface: Surface, max: number): void {
  if (blocks.length > max) p.add(pointer, `no more than ${max} items allowed`);
  const blockIds = new Set<string>();
  blocks.forEach((value, index) => {
    block(p, value, at(pointer, index), surface, blockIds);
  });
  if (p.markdownTotal > L.markdownText)
    p.add(pointer, `markdown blocks must be less than ${L.markdownText + 1} characters together`);
}

/**
 * `blocks` as it arrives: the WebClient sends it as a JSON string inside the form. An unparseable string or
 * a non-array is `invalid_blocks_format`.
 */
function parseList(value: unknown): unknown[] | 'invalid' | undefined {
  if (value === undefined || value === null) return undefined;
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return 'invalid';
    }
  }
  return Array.isArray(parsed) ? parsed : 'invalid';
}

const ATTACHMENT_STRINGS = [
  'fallback',
  'color',
  'pretext',
  'author_name',
  'author_link',
  'author_icon',
  'title',
  'title_link',
  'text',
  'image_url',
  'thumb_url',
  'footer',
  'footer_icon',
  'callback_id',
] as const;

/** A legacy attachment: old-style fields and actions as documented, blocks inside it like a message's. */
function attachment(p: Problems, value: unknown, pointer: string): void {
  if (!isObject(value)) {
    p.add(pointer, 'must be an attachment object');
    return;
  }
  for (const name of ATTACHMENT_STRINGS) {
    if (value[name] !== undefined && typeof value[name] !== 'string')
      p.add(at(pointer, name), 'must be a string');
  }
  if (value.ts !== undefined && typeof value.ts !== 'number' && typeof value.ts !== 'string')
    p.add(at(pointer, 'ts'), 'must be a number');
  const fields = arrayField(p, value, 'fields', pointer, 0, Number.MAX_SAFE_INTEGER);
  (fields ?? []).forEach((field, index) => {
    const where = at(at(pointer, 'fields'), index);
    if (!isObject(field)) {
      p.add(where, 'must be a field object');
      return;
    }
    for (const name of ['title', 'value'] as const) {
      if (field[name] !== undefined && typeof field[name] !== 'string')
        p.add(at(where, name), 'must be a string');
    }
    booleanField(p, field, 'short', where);
  });
  // Slack renders mrkdwn in pretext, text and fields and takes other names without complaint: Alertmanager's
  // Slack receiver sends ["fallback", "pretext", "text"] by default (notify/slack), and Slack posts it.
  const mrkdwnIn = arrayField(p, value, 'mrkdwn_in', pointer, 0, 10);
  (mrkdwnIn ?? []).forEach((name, index) => {
    if (typeof name !== 'string') p.add(at(at(pointer, 'mrkdwn_in'), index), 'must be a string');
  });
  const actions = arrayField(p, value, 'actions', pointer, 0, L.attachmentActions);
  (actions ?? []).forEach((action, index) => {
    const where = at(at(pointer, 'actions'), index);
    if (!isObject(action)) {
      p.add(where, 'must be an action object');
      return;
    }
    stringField(p, action, 'text', where, L.buttonText, { required: true });
    enumField(p, action, 'type', where, ['button', 'select']);
    if (action.type === undefined) p.add(where, 'missing required field: type');
    stringField(p, action, 'name', where, L.actionId);
    stringField(p, action, 'value', where, L.buttonValue);
    stringField(p, action, 'url', where, L.url);
    enumField(p, action, 'style', where, ['default', 'primary', 'danger']);
    if (action.confirm !== undefined && !isObject(action.confirm))
      p.add(at(where, 'confirm'), 'must be an object');
  });
  const blocks = parseList(value.blocks);
  if (blocks === 'invalid') p.add(at(pointer, 'blocks'), 'must be an array');
  else if (blocks !== undefined) blockList(p, blocks, at(pointer, 'blocks'), 'message', L.messageBlocks);
}

function hasContent(value: unknown): boolean {
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  return value !== undefined && value !== null;
}

/**
 * What Slack answers a message payload (the params of a chat.* call, or the JSON body of a response_url post),
 * or undefined when it would accept it. The checks run in Slack's order: something to show (`no_text`), the
 * `text` length (`msg_too_long`), the blocks (`invalid_blocks_format`, `invalid_blocks`, then
 * `msg_blocks_too_long`), then legacy attachments (`invalid_attachments`, `too_many_attachments`).
 */
export function validateMessage(
  payload: Readonly<Record<string, unknown>>,
  method: MessageMethod,
): SlackRefusal | undefined {
  if (method === 'response_url' && payload.delete_original === true) return undefined;
  const { text, blocks, attachments } = payload;
  if (!hasContent(text) && !hasContent(parseList(blocks)) && !hasContent(parseList(attachments)))
    return { error: 'no_text', details: ['must provide text, blocks or attachments [json-pointer:/text]'] };
  if (text !== undefined && typeof text !== 'string')
    return { error: 'invalid_arguments', details: ['must be a string [json-pointer:/text]'] };
  if (typeof text === 'string' && text.length > L.messageText)
    return {
      error: 'msg_too_long',
      details: [`must be less than ${L.messageText + 1} characters [json-pointer:/text]`],
    };

  const list = parseList(blocks);
  if (list === 'invalid')
    return { error: 'invalid_blocks_format', details: ['must be a JSON array [json-pointer:/blocks]'] };
  if (list !== undefined) {
    const p = new Problems();
    blockList(p, list, '/blocks', 'message', L.messageBlocks);
    if (!p.empty) return { error: 'invalid_blocks', details: p.list };
    const size = JSON.stringify(list).length;
    if (size > L.messageBlocksJson)
      return {
        error: 'msg_blocks_too_long',
        details: [
          `blocks serialise to ${size} characters, more than ${L.messageBlocksJson} [json-pointer:/blocks]`,
        ],
      };
  }

  const legacy = parseList(attachments);
  if (legacy === 'invalid')
    return { error: 'invalid_attachments', details: ['must be a JSON array [json-pointer:/attachments]'] };
  if (legacy !== undefined) {
    if (legacy.length > L.attachments)
      return {
        error: 'too_many_attachments',
        details: [`no more than ${L.attachments} items allowed [json-pointer:/attachments]`],
      };
    const p = new Problems();
    legacy.forEach((item, index) => {
      attachment(p, item, at('/attachments', index));
    });
    if (!p.empty) return { error: 'invalid_attachments', details: p.list };
  }
  if (method === 'response_url' && payload.response_type !== undefined) {
    if (payload.response_type !== 'in_channel' && payload.response_type !== 'ephemeral')
      return {
        error: 'invalid_payload',
        details: ['must be one of in_channel, ephemeral [json-pointer:/response_type]'],
      };
  }
  return undefined;
}

/**
 * What Slack answers a `view` given to views.publish (a Home tab: `type: "home"`) or views.open / update / push
 * (a modal), or undefined when it would accept it. Slack reports every view problem as `invalid_arguments`
 * with the details in `response_metadata.messages`.
 */
export function validateView(view: unknown, method: ViewMethod): SlackRefusal | undefined {
  let parsed = view;
  if (typeof view === 'string') {
    try {
      parsed = JSON.parse(view);
    } catch {
      return { error: 'invalid_arguments', details: ['must be a JSON object [json-pointer:/view]'] };
    }
  }
  const p = new Problems();
  const pointer = '/view';
  if (!isObject(parsed)) {
    p.add(pointer, parsed === undefined ? 'missing required field: view' : 'must be an object');
    return { error: 'invalid_arguments', details: p.list };
  }
  const surface: Surface = method === 'views.publish' ? 'home' : 'modal';
  if (parsed.type !== surface) p.add(at(pointer, 'type'), `must be ${surface}`);
  stringField(p, parsed, 'private_metadata', pointer, L.privateMetadata, { min: 0 });
  stringField(p, parsed, 'callback_id', pointer, L.callbackId);
  stringField(p, parsed, 'external_id', pointer, L.externalId);
  const blocks = parseList(parsed.blocks);
  if (blocks === 'invalid' || blocks === undefined) p.add(at(pointer, 'blocks'), 'must be an array');
  else blockList(p, blocks, at(pointer, 'blocks'), surface, L.viewBlocks);
  if (surface === 'modal') {
    optionalText(p, parsed, 'title', pointer, L.viewTitle, true, true);
    optionalText(p, parsed, 'submit', pointer, L.viewButton, true);
    optionalText(p, parsed, 'close', pointer, L.viewButton, true);
    const hasInput = Array.isArray(blocks) && blocks.some((b) => isObject(b) && b.type === 'input');
    if (hasInput && parsed.submit === undefined)
      p.add(pointer, 'missing required field: submit (the view has input blocks)');
    booleanField(p, parsed, 'clear_on_close', pointer);
    booleanField(p, parsed, 'notify_on_close', pointer);
  }
  return p.empty ? undefined : { error: 'invalid_arguments', details: p.list };
}

/** One line for logs and test failures: `invalid_blocks: must be less than 3001 characters [json-pointer:…]`. */
export function describeRefusal(refusal: SlackRefusal): string {
  return `${refusal.error}${refusal.details.length > 0 ? `: ${refusal.details.join('; ')}` : ''}`;
}
