/** docs/stores.md's conformance run of a store of your own (here the Map store of examples/custom-store.ts). */
import { testStore } from '../../lib/testing/index.js';
import { mapStore } from '../custom-store.js';

testStore('mapStore', () => mapStore());
