/**
 * Freezes a value and everything in it (plain data: objects and arrays). A value handed out
 * again to several readers is frozen so that none of them can change what the others see; a
 * frozen result is also how the layers above recognise one they may keep what they made of.
 */
export const deepFreeze = <A>(value: A): A => {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
};
