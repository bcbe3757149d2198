// Public entry of retention: the plan, the invariant that proves it, and enforcement against a replica.
export { enforceRetention, type EnforceOptions, type RetentionOutcome, type RetentionRunSettings } from './enforce.ts';
export { planRetention, planByRules, type RetentionPlan, type RetentionSettings } from './plan.ts';
export { restorePoints, restorableMax } from './points.ts';
export { invariantViolations, requiredPoints, retentionWindow, type RetentionPolicy, type RetentionWindow } from './invariant.ts';
