// The users a local, development-secret system offers for sign-in: printed by `npm start` and
// listed by the console's development sign-in.
export const DEV_USERS = [
  { sub: 'kh-officer', name: 'Sok Dara', role: 'officer', country: 'KH' },
  { sub: 'kh-supervisor', name: 'Chan Vuthy', role: 'supervisor', country: 'KH' },
  { sub: 'cn-officer', name: 'Li Wei', role: 'officer', country: 'CN' },
  { sub: 'cn-supervisor', name: 'Zhang Min', role: 'supervisor', country: 'CN' },
  { sub: 'kh-auditor', name: 'Keo Sophea', role: 'auditor', country: 'KH' },
  { sub: 'admin', name: 'Administrator', role: 'admin', country: 'CN' },
] as const;
