/** Vitest setup file: every response from a watched service is checked against its /openapi.json (api-contract.ts). */
import { installContractCheck } from './api-contract.js';

installContractCheck();
