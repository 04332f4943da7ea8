/**
 * `integration-backend/crypto`: the Cipher (AES-256-GCM, with key rotation) and the OAuth
 * state signer (HMAC-SHA256), over node:crypto alone.
 */
export { AesGcmCipher, fingerprintKey } from '../adapters/crypto/aes-gcm-cipher.js';
export { resolveEncryptionKeys, type ResolvedKeys } from '../adapters/crypto/encryption-key.js';
export { HmacStateSigner } from '../adapters/crypto/hmac-state-signer.js';
