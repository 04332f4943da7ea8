/**
 * Jira Software's boards and sprints as the service hands them out, as io-ts codecs (their
 * JSON Schemas document the operations' outputs) and the types derived from them.
 */
import * as t from 'io-ts';
import { annotate } from './json-schema.js';

const text = (description: string) => annotate(t.string, { description });
const nullableText = (description: string) => annotate(t.union([t.string, t.null]), { description });

export const Board = t.readonly(
  t.type({
    id: text('The board id: what listing its sprints takes (board_id).'),
    name: text('The board name.'),
    type: text('scrum, kanban or simple; only scrum boards have sprints.'),
    project_key: nullableText('The key of the project the board is located in; null for a board in a user location.'),
  }),
  'Board',
);
export type Board = t.TypeOf<typeof Board>;

export const SPRINT_STATES = ['active', 'future', 'closed'] as const;
export type SprintState = (typeof SPRINT_STATES)[number];

export const Sprint = t.readonly(
  t.type({
    id: text('The sprint id: what listing its issues or moving issues into it takes (sprint_id).'),
    name: text('The sprint name.'),
    state: text('active, future or closed.'),
    start_date: nullableText('When the sprint starts or started (ISO 8601); null when not planned.'),
    end_date: nullableText('When the sprint ends or ended (ISO 8601); null when not planned.'),
    goal: nullableText('The sprint goal, if any.'),
    board_id: nullableText('The board the sprint was created on.'),
  }),
  'Sprint',
);
export type Sprint = t.TypeOf<typeof Sprint>;

export const MovedToSprint = t.readonly(
  t.type({
    sprint_id: text('The sprint the issues are now in.'),
    issues: annotate(t.readonlyArray(t.string), { description: 'The issues that were moved, as given.' }),
  }),
  'MovedToSprint',
);
export type MovedToSprint = t.TypeOf<typeof MovedToSprint>;
