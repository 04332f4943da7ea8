/** Starts the service (`npm start`); the same as `integration-backend serve`. */
import { serve } from './cli/serve.js';

await serve(process.env);
