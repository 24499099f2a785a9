// tag LOGOUT
import { ANY_STATE, defineBareCommand } from './spec.ts';

export const logoutCommand = defineBareCommand('LOGOUT', ANY_STATE);
export type LogoutRequest = { readonly name: 'LOGOUT' };
