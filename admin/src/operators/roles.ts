import type { Role } from '../types.js';

export const ROLE_CHOICES: { id: Role; name: string }[] = [
  { id: 'owner', name: 'kami.role.owner' },
  { id: 'operator', name: 'kami.role.operator' },
  { id: 'viewer', name: 'kami.role.viewer' },
];
