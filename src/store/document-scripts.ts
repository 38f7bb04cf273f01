/**
 * The Lua scripts behind the episode document store (lua/request-document.lua, lua/step-document.lua) with the
 * shape of their replies.
 */
import { z } from 'zod';
import { LuaScript } from './lua-script';

export const DOCUMENT_STATUSES = ['pending', 'sending', 'awaiting-ack', 'delivered', 'failed'] as const;

const status = z.enum(DOCUMENT_STATUSES);

export const REQUEST_DOCUMENT = new LuaScript(
  'request-document',
  z.union([z.tuple([z.enum(['ok', 'seen', 'conflict']), z.number().int()])]),
);

export const STEP_DOCUMENT = new LuaScript(
  'step-document',
  z.union([
    z.tuple([z.literal('ok'), status, z.number().int(), z.array(z.string())]),
    z.tuple([z.literal('conflict'), status, z.number().int()]),
    z.tuple([z.literal('missing')]),
  ]),
);
