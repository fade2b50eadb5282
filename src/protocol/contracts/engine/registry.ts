/**
 * The engine's table of modules and actions, checked once at construction: a module
 * definition that could make two validators disagree (a duplicate name, a result code out
 * of its range or reused) is a bug, so it fails here before any block executes.
 */
import { assert } from '../../core/assert.js';
import type { ActionDefinition, ModuleDefinition } from './module.js';
import { ENGINE_CODE_MAX, ENGINE_RESULTS, moduleCodeRange } from './result-codes.js';

export interface Registry {
  modules: Map<string, ModuleDefinition>;
  actions: Map<string, Map<string, ActionDefinition<unknown>>>;
}

/** The reserved name for the engine's own state keys ("engine/...") and queries. */
export const ENGINE_MODULE_NAME = 'engine';

export function checkRegistry(modules: readonly ModuleDefinition[]): Registry {
  const registry: Registry = { modules: new Map(), actions: new Map() };
  const codes = new Map<number, string>();
  for (const result of Object.values(ENGINE_RESULTS)) {
    assert(result.code <= ENGINE_CODE_MAX, `engine: code ${result.code} out of range`);
    codes.set(result.code, result.name);
  }
  for (const module of modules) {
    assert(module.name !== ENGINE_MODULE_NAME, 'engine: module name "engine" is reserved');
    assert(!registry.modules.has(module.name), `engine: module ${module.name} declared twice`);
    registry.modules.set(module.name, module);
    checkResults(module, codes);
    const actions = new Map<string, ActionDefinition<unknown>>();
    for (const action of module.actions) {
      assert(!actions.has(action.name), `engine: action ${action.name} declared twice`);
      actions.set(action.name, action);
    }
    registry.actions.set(module.name, actions);
  }
  return registry;
}

function checkResults(module: ModuleDefinition, codes: Map<number, string>): void {
  const range = moduleCodeRange(module.codeBase);
  assert(module.codeBase > ENGINE_CODE_MAX, `engine: ${module.name} codes overlap the engine's`);
  assert(module.codeBase % 100 === 0, `engine: ${module.name} code base must be a multiple of 100`);
  for (const result of module.results) {
    assert(result.code >= range.min, `engine: ${result.name} below its module's range`);
    assert(result.code <= range.max, `engine: ${result.name} above its module's range`);
    assert(result.name.startsWith(`${module.name}.`), `engine: ${result.name} lacks its prefix`);
    assert(!codes.has(result.code), `engine: code ${result.code} declared twice`);
    codes.set(result.code, result.name);
  }
}
