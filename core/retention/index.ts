// Public entry of retention: enforcement against a replica (the plan and its invariant are imported from their files).
export { enforceRetention } from './enforce.ts';
