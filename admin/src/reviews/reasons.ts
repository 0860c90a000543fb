// The rules' own list (a pure constant): the inbox filter offers exactly the reasons the rules can give.
export { REASON_CODES } from '../../../domain/rules.js';
