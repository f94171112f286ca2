// Account-takeover scenarios for the fraud demo seed (rules/fraud/takeover.zy,
// F13–F18, and IP_MANY_ACCOUNTS), each `k` times, with the good customers who
// trip the same rules: a new phone, a forgotten password, an office network, a flight.
import { cityKm, FraudSeed, yuan } from './fraud-context.ts';
import { DAY, HOUR, MINUTE } from './rows.ts';

export function takeoverScenarios(s: FraudSeed, k: number): void {
  for (let i = 0; i < k; i++) {
    // New device, weak-auth phone change, drawdown, then out to a just-opened account (F13, F14, F16, F18, F26).
    {
      const v = s.victim();
      const t0 = s.someTime(5, 85, 0, 24);
      const dev = s.device(`ato-${i}`, { first_seen_at: t0 - 2 * MINUTE, bound_at: t0 - MINUTE });
      const ip = s.ip();
      const o = { device_id: dev, ip, ip_city: s.otherCity(v.city) };
      // Every other time the real customer had used the app at home shortly before: impossible travel (F14).
      const before = s.int(20, 90);
      if (i % 2) s.emit('ordinary', s.login(v, t0 - before * MINUTE, { auth_method: 'face' }));
      s.emit('takeover_new_device', s.login(v, t0, { ...o, auth_method: 'password' }), 'fraud');
      const changed = t0 + s.int(10, 30) * MINUTE;
      s.emit('takeover_new_device', s.base(v, 'phone_change', changed, { ...o, auth_method: s.pick(['sms_otp', 'password']) }), 'fraud');
      // The fraudster's number is the customer's from now on: a number in use since today.
      s.change('customer', v.id, changed, { phone_number_since: changed });
      const available = Math.round(v.creditLimit * 0.9);
      const drawn = Math.round(available * (0.5 + s.r() * 0.4) / 100) * 100;
      const t2 = t0 + s.int(60, 180) * MINUTE;
      s.emit('takeover_new_device', s.drawdown(v, t2, drawn, available, { ...o, auth_method: 'password' }), 'fraud');
      const mule = s.payee(`ato-acct-${i}`, t2 - s.int(2, 20) * HOUR, t2 + 2 * MINUTE);
      s.emit('takeover_new_device', s.payeeAdd(v, t2 + 2 * MINUTE, mule, o), 'fraud');
      s.emit('takeover_new_device', s.newPayeeTransfer(v, t2 + s.int(3, 4) * MINUTE, mule, Math.round(drawn * 0.95), t2 + 2 * MINUTE, { ...o, auth_method: 'password' }), 'fraud', 'chargeback');
    }
    // Credential stuffing: one IP tries two dozen accounts, and gets into the last one (F03, F17).
    {
      const t0 = s.someTime(3, 88, 0, 6);
      const ip = s.ip();
      const dev = s.device(`stuff-${i}`, { is_emulator: true, first_seen_at: t0 - HOUR, bound_at: t0 - HOUR });
      const tried = new Set<string>();
      for (let j = 0; j < 23; j++) {
        const v = s.victim((p) => !tried.has(p.id));
        tried.add(v.id);
        s.emit('credential_stuffing', s.base(v, 'login_failed', t0 + j * s.int(60, 100) * 1000, { device_id: dev, ip }), 'fraud');
      }
      const v = s.victim((p) => !tried.has(p.id));
      const t1 = t0 + 40 * MINUTE;
      for (let j = 0; j < 5; j++) s.emit('credential_stuffing', s.base(v, 'login_failed', t1 + j * 30_000, { device_id: dev, ip }), 'fraud');
      s.emit('credential_stuffing', s.login(v, t1 + 3 * MINUTE, { device_id: dev, ip, auth_method: 'password' }), 'fraud');
    }
    // SIM swap: the fraudster receives the victim's SMS codes on a new SIM (F15, F10).
    {
      const v = s.victim();
      const t0 = s.someTime(5, 88, 0, 24);
      // The carrier moved the victim's number to the fraudster's SIM, now in a phone of the fraudster's.
      const swapped = t0 - s.int(3, 40) * HOUR;
      s.change('device', v.device, swapped, { sim_changed_at: swapped });
      const dev = s.device(`swap-${i}`, { first_seen_at: t0 - 5 * MINUTE, bound_at: t0 - 4 * MINUTE, sim_changed_at: swapped });
      const o = { device_id: dev, ip: s.ip() };
      s.emit('sim_swap', s.login(v, t0, { ...o, auth_method: 'sms_otp' }), 'fraud');
      const payee = s.payee(`swap-acct-${i}`, t0 - s.int(5, 200) * DAY, t0 + 8 * MINUTE);
      s.emit('sim_swap', s.payeeAdd(v, t0 + 8 * MINUTE, payee, { ...o, auth_method: 'sms_otp' }), 'fraud');
      s.emit('sim_swap', s.newPayeeTransfer(v, t0 + 12 * MINUTE, payee, yuan(s.int(8, 20) * 1000), t0 + 8 * MINUTE, { ...o, auth_method: 'sms_otp' }), 'fraud', 'chargeback');
    }
  }
  for (let i = 0; i < Math.max(2, Math.ceil(k / 2)); i++) {
    // A good customer's new phone: bound this morning, SIM moved over, rent paid by SMS code (F15, F16, F10).
    {
      const v = s.victim();
      const t0 = s.someTime(5, 88, 8, 12);
      const dev = s.device(`dv-${v.id}-new${i}`, { first_seen_at: t0, bound_at: t0, sim_changed_at: t0 - 2 * HOUR });
      s.emit('good_customer_new_phone', s.login(v, t0, { device_id: dev, auth_method: 'face' }), 'not_fraud');
      s.emit('good_customer_new_phone', s.transfer(v, t0 + s.int(2, 6) * HOUR, v.family, yuan(100 * s.int(20, 45)), { device_id: dev, auth_method: 'sms_otp' }), 'not_fraud');
    }
    // Forgot the password: five failures in four minutes, then in (F17).
    {
      const v = s.victim();
      const t0 = s.someTime(3, 88);
      for (let j = 0; j < 5; j++) s.emit('good_customer_forgot_password', s.base(v, 'login_failed', t0 + j * 45_000));
      s.emit('good_customer_forgot_password', s.login(v, t0 + 4 * MINUTE, { auth_method: 'password' }), 'not_fraud');
    }
    // A flight across the country: the first login on landing is faster than 500 km/h from the last one at home (F14).
    {
      const v = s.victim();
      const t0 = s.someTime(3, 88);
      const to = s.farthestCity(v.city);
      s.emit('ordinary', s.login(v, t0));
      const landed = t0 + Math.round(cityKm(v.city, to) / s.int(520, 700) * 60) * MINUTE;
      s.emit('good_customer_flight', s.login(v, landed, { ip_city: to, ip: s.ip() }), 'not_fraud');
    }
  }
  // An office network: twenty-two colleagues log in within the hour (F03 without the allow list) …
  const office = s.ip();
  const day = 30 + (k % 20);
  for (let j = 0; j < 22; j++) {
    const v = s.victim();
    s.emit('good_customers_office_ip', s.login(v, s.at(day, 9, 2 * j), { ip: office, ip_city: v.city }), 'not_fraud');
  }
  // … and a campus network on the allow list, which does not count.
  const campus = s.ip();
  s.list('shared_ip_allowlist', campus, s.start - 300 * DAY);
  for (let j = 0; j < 25; j++) {
    const v = s.victim();
    s.emit('campus_ip_allowlisted', s.login(v, s.at(day + 7, 20, 2 * j), { ip: campus }));
  }
}
