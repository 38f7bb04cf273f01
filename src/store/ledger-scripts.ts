/**
 * The ledger's own Lua scripts (lua/append-entry.lua, lua/append-once.lua, lua/purge-body.lua) with the shape of
 * their replies: appending an entry that has no message state change with it, appending one at most once under a
 * marker, and purging a message body under the retention policy along with its `purged` entry.
 */
import { z } from 'zod';
import { LuaScript } from './lua-script';

/** Replies the stream id of the new entry. */
export const APPEND_ENTRY = new LuaScript('append-entry', z.string());

/** Replies the stream id of the new entry, or null (Lua false) when the marker was already recorded. */
export const APPEND_ONCE = new LuaScript('append-once', z.string().nullable());

export const PURGE_BODY = new LuaScript(
  'purge-body',
  z.union([z.enum(['purged', 'missing', 'already']), z.string().regex(/^status:/)]),
);
