export { signCallback } from './sign.js';
export type { SignCallbackOptions, SignedHeaders } from './sign.js';
export { fixtures } from './builders.js';
export type {
  CallbackDialect,
  DeepPartial,
  Fixtures,
  FixtureBodyMap,
  FixtureOptions,
  FixtureOptionsMap,
  MusicFixtureOptions,
  StemsFixtureOptions,
  MarketCallbackBody,
  MarketData,
  RecoveryCallbackBody,
  RecoveryFixtureOptions,
  ResultFixtureOptions,
} from './builders.js';
export { testStore } from './store-suite.js';
export type { StoreFactory, TestHarness, TestStoreOptions } from './store-suite.js';
