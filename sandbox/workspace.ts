/** The pretend Slack workspace: one channel, three people and a user group, with IDs shaped like Slack's. */

export type Role = 'allowed' | 'group' | 'stranger';

export interface Person {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  /** Why this person may or may not act, in the words the page shows next to the switch. */
  readonly access: string;
}

export const CHANNEL = { id: 'C0INCIDENTS', name: 'incidents' } as const;
export const ONCALL_GROUP = { id: 'S0ONCALL1', handle: 'oncall' } as const;
export const BOT = { id: 'UBOT', name: 'Flowbot' } as const;

export const PEOPLE: readonly Person[] = [
  { id: 'U0MARIA01', name: 'maria', role: 'allowed', access: 'allowed by name' },
  {
    id: 'U0PRIYA01',
    name: 'priya',
    role: 'group',
    access: `in @${ONCALL_GROUP.handle}, allowed`,
  },
  { id: 'U0SAM0001', name: 'sam', role: 'stranger', access: 'not allowed' },
];

export function personById(id: unknown): Person | undefined {
  return PEOPLE.find((person) => person.id === id);
}

/** Names for mentions, as the page renders `<@U…>`. */
export function userNames(): Record<string, string> {
  const names: Record<string, string> = { [BOT.id]: BOT.name };
  for (const person of PEOPLE) names[person.id] = person.name;
  return names;
}
