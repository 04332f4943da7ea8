import * as t from 'io-ts';

export interface TenantIdBrand {
  readonly TenantId: unique symbol;
}

export const TENANT_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** A tenant id: 1-128 characters of `[A-Za-z0-9._:-]`. */
export const TenantId = t.brand(
  t.string,
  (s): s is t.Branded<string, TenantIdBrand> => TENANT_ID_PATTERN.test(s),
  'TenantId',
);
export type TenantId = t.TypeOf<typeof TenantId>;

export const DEFAULT_TENANT = 'default' as TenantId;
