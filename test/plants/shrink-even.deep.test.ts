/**
 * The found-and-shrunk test (shrink-cases.ts) of the planted mistakes at even positions of
 * PLANT_NAMES; the other half is in shrink-odd.deep.test.ts, so both run side by side.
 */
import { describeFoundAndShrunk, plantsAt } from './shrink-cases.js';

describeFoundAndShrunk(plantsAt(0));
