import type { ModelDef } from '../types';
import { active, bool, char, many2many, many2one } from './field-helpers';

export const resCompany: ModelDef = {
  name: 'res.company',
  description: 'Companies',
  module: 'base',
  group: 'base',
  order: 'sequence, name',
  fields: {
    name: char('Company Name', { required: true }),
    sequence: { type: 'integer', string: 'Sequence', default: 10 },
    partner_id: many2one('res.partner', 'Partner'),
    active: active(),
  },
};

export const resPartner: ModelDef = {
  name: 'res.partner',
  description: 'Contact',
  module: 'base',
  group: 'base',
  order: 'name, id',
  fields: {
    name: char('Name'),
    email: char('Email'),
    is_company: bool('Is a Company'),
    company_id: many2one('res.company', 'Company'),
    active: active(),
  },
};

export const resUsers: ModelDef = {
  name: 'res.users',
  description: 'User',
  module: 'base',
  group: 'base',
  order: 'name, login',
  fields: {
    name: char('Name', { required: true }),
    login: char('Login', { required: true }),
    active: active(),
    company_id: many2one('res.company', 'Company'),
    company_ids: many2many('res.company', 'Companies'),
    // stored but never readable, like the real password column
    password: char('Password', { internal: true }),
    // comma-separated access groups: base, stock, sale, mrp (stands in for groups_id)
    sim_groups: char('Groups', { internal: true }),
  },
  methods: {
    context_get: {
      apiModel: true,
      params: [],
      call: (env) => ({ lang: 'en_US', tz: 'Europe/Brussels', uid: env.uid }),
    },
  },
};

export const uomUom: ModelDef = {
  name: 'uom.uom',
  description: 'Product Unit of Measure',
  module: 'uom',
  group: 'base',
  order: 'name',
  fields: {
    name: char('Unit of Measure', { required: true }),
    rounding: { type: 'float', string: 'Rounding Precision', default: 0.01 },
    active: active(),
  },
};
