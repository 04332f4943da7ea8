import * as t from 'io-ts';

export const CONNECTOR_IDS = ['jira', 'confluence'] as const;
export const ConnectorId = t.keyof({ jira: null, confluence: null }, 'ConnectorId');
export type ConnectorId = t.TypeOf<typeof ConnectorId>;

export const isConnectorId = (s: string): s is ConnectorId => ConnectorId.is(s);
