/** Time as the use cases see it; tests pass a controllable clock. */
export interface Clock {
  now(): Date;
}
