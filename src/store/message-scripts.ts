/**
 * The Lua scripts behind the message store (lua/create-message.lua, lua/transition-message.lua,
 * lua/claim-message.lua) with the shape of their replies. Each one changes a message, its indexes and the audit ledger in one atomic step, so a crash or
 * a lost connection can never leave a half-written message behind.
 */
import { z } from 'zod';
import { MESSAGE_STATUSES } from '../messages/record';
import { LuaScript } from './lua-script';

const createReply = z.union([z.tuple([z.literal(1), z.string()]), z.tuple([z.literal(0), z.string(), z.string()])]);

export const CREATE_MESSAGE = new LuaScript('create-message', createReply);

const status = z.enum(MESSAGE_STATUSES);

const transitionReply = z.union([
  z.tuple([z.literal('ok'), status, z.number().int()]),
  z.tuple([z.literal('conflict'), status]),
  z.tuple([z.literal('missing')]),
]);

export const TRANSITION_MESSAGE = new LuaScript('transition-message', transitionReply);

const claimReply = z.union([
  z.tuple([z.literal('ok'), status, z.number().int(), z.array(z.string())]),
  z.tuple([z.literal('conflict'), status]),
  z.tuple([z.literal('missing')]),
]);

export const CLAIM_MESSAGE = new LuaScript('claim-message', claimReply);
