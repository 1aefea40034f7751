/**
 * The found-and-shrunk test (shrink-cases.ts) of the planted mistakes at odd positions of
 * PLANT_NAMES; the other half is in shrink-even.deep.test.ts, so both run side by side.
 */
import { describeFoundAndShrunk, plantsAt } from './shrink-cases.js';

describeFoundAndShrunk(plantsAt(1));
