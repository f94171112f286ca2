// Mule and velocity scenarios for the fraud demo seed (rules/fraud/mule.zy,
// F26–F34), each `k` times, with the good customers who trip the same rules:
// a shop paying its suppliers, money passed on to parents, a customer back
// after months away.
import { FraudSeed, yuan, type Person, type PersonOptions } from './fraud-context.ts';
import { DAY, HOUR, MINUTE } from './rows.ts';

/** A customer recruited (or created) as a money mule, known for a while before the window. */
function mule(s: FraudSeed, id: string, o: PersonOptions = {}): Person {
  return s.person(id, { since: s.start - s.int(60, 400) * DAY, age: s.int(19, 30), ...o });
}

export function muleScenarios(s: FraudSeed, k: number): void {
  for (let i = 0; i < k; i++) {
    // A dormant line sold on: quiet for over 90 days, then drawn down and sent out (F26 dormancy, F21, F31).
    {
      const m = mule(s, `fd${i}`, { since: s.start - 300 * DAY });
      s.emit('dormant_account_sold', s.transferIn(m, s.start - s.int(12, 20) * DAY, yuan(3_000)));
      const t0 = s.someTime(82, 88);
      const available = m.creditLimit;
      const drawn = Math.round(available * 0.9 / 100) * 100;
      s.emit('dormant_account_sold', s.drawdown(m, t0, drawn, available, { device_id: s.device(`fd${i}-dev`, { first_seen_at: t0 - 3 * DAY, bound_at: t0 - 3 * DAY }) }), 'fraud');
      const payee = s.payee(`fd-acct-${i}`, t0 - s.int(2, 30) * DAY, t0);
      s.emit('dormant_account_sold', s.newPayeeTransfer(m, t0 + s.int(2, 4) * MINUTE, payee, Math.round(drawn * 0.95), t0, { device_id: `fd${i}-dev` }), 'fraud');
    }
    // Fan-in: six scam victims pay one account within a day (F27).
    {
      const t0 = s.someTime(3, 87, 9, 12);
      const collector = s.payee(`fanin-${i}`, t0 - s.int(1, 5) * DAY, t0);
      const paid = new Set<string>();
      for (let j = 0; j < 6; j++) {
        const v = s.victim((p) => !paid.has(p.id));
        paid.add(v.id);
        const t = t0 + j * s.int(60, 180) * MINUTE;
        s.emit('fan_in', s.newPayeeTransfer(v, t, collector, yuan(s.int(2, 9) * 1000), t - 2 * MINUTE), 'fraud');
      }
    }
    // Fan-out: money in, then out to six accounts in five hours (F28, F29).
    {
      const m = mule(s, `fo${i}`);
      const t0 = s.someTime(3, 87, 9, 14);
      const total = yuan(s.int(24, 36) * 1000);
      s.emit('fan_out', s.transferIn(m, t0, total), 'fraud');
      for (let j = 0; j < 6; j++) {
        const t = t0 + (j + 1) * s.int(30, 45) * MINUTE;
        const payee = s.payee(`fo-acct-${i}-${j}`, t - s.int(10, 400) * DAY, t);
        s.emit('fan_out', s.newPayeeTransfer(m, t, payee, Math.round(total * 0.155 / 100) * 100, t), 'fraud');
      }
    }
    // Pass-through: what comes in goes out within hours, less a commission (F29, F30).
    {
      const m = mule(s, `fp${i}`);
      const t0 = s.someTime(3, 87, 9, 18);
      const inflow = yuan(s.int(10, 50) * 1000);
      s.emit('pass_through', s.transferIn(m, t0, inflow), 'fraud');
      const payee = s.payee(`fp-acct-${i}`, t0 - s.int(10, 400) * DAY, t0 + HOUR);
      s.emit('pass_through', s.newPayeeTransfer(m, t0 + s.int(60, 180) * MINUTE, payee, Math.round(inflow * (0.88 + s.r() * 0.1) / 100) * 100, t0 + HOUR), 'fraud');
    }
    // Five or six similar amounts to one account in half a day (F32).
    {
      const m = mule(s, `fr${i}`);
      const t0 = s.someTime(3, 87, 8, 12);
      const payee = s.payee(`fr-acct-${i}`, t0 - s.int(10, 400) * DAY, t0);
      for (let j = 0; j < 6; j++) {
        const t = t0 + j * s.int(40, 110) * MINUTE;
        s.emit('repeated_amounts', s.transfer(m, t, payee, yuan(s.int(1_900, 2_100)), { payee_is_new: j === 0, payee_first_seen_at: t0 }), 'fraud');
      }
    }
    // Structuring: transfers just under ¥50,000, signed with a certificate (F32).
    {
      const m = mule(s, `fj${i}`, { dailyLimit: yuan(200_000) });
      const t0 = s.someTime(3, 80, 9, 17);
      const payee = s.payee(`fj-acct-${i}`, t0 - s.int(10, 400) * DAY, t0);
      for (let j = 0; j < 4; j++) {
        s.emit('just_below_threshold', s.transfer(m, t0 + j * s.int(20, 40) * HOUR, payee, yuan(s.int(45_500, 49_900)), { auth_method: 'cert', payee_is_new: j === 0, payee_first_seen_at: t0 }), 'fraud');
      }
    }
    // Four bank cards bound in an afternoon (F33).
    {
      const m = mule(s, `fw${i}`);
      const t0 = s.someTime(3, 87, 12, 16);
      for (let j = 0; j < 4; j++) s.emit('many_cards', s.base(m, 'bankcard_bind', t0 + j * s.int(30, 80) * MINUTE, { bank_card_hash: `card-fw${i}-${j}`, auth_method: 'face' }), 'fraud');
    }
    // One card bound by four recruits over a few weeks (F33).
    {
      const t0 = s.someTime(3, 60);
      for (let j = 0; j < 4; j++) {
        const m = mule(s, `fh${i}-${j}`);
        s.emit('shared_card', s.base(m, 'bankcard_bind', t0 + j * s.int(2, 9) * DAY, { bank_card_hash: `card-shared-${i}`, auth_method: 'face' }), 'fraud');
      }
    }
    // A new loan moved into shares and crypto within days: misuse, not fraud, so not labelled (F34).
    {
      const m = mule(s, `fu${i}`, { age: s.int(25, 50), dailyLimit: yuan(100_000) });
      const t0 = s.someTime(3, 80, 9, 17);
      const amount = yuan(10_000 * s.int(10, 20));
      s.disburse(m.account, t0, amount);
      s.emit('loan_to_markets', s.drawdown(m, t0, amount, amount, { auth_method: 'face' }));
      const broker = s.payee(`broker-${i}`, t0 - 3000 * DAY, t0 + DAY);
      for (const [j, type] of (['securities', 'crypto'] as const).entries()) {
        const t = t0 + (1 + 2 * j) * DAY + s.int(1, 8) * HOUR;
        s.emit('loan_to_markets', s.transfer(m, t, broker, Math.round(amount * 0.3 / 100) * 100, { payee_type: type, auth_method: 'cert', payee_is_new: j === 0, payee_first_seen_at: t0 + DAY }));
      }
    }
  }
  for (let i = 0; i < Math.max(2, Math.ceil(k / 2)); i++) {
    // A shop owner pays six suppliers in an afternoon (F28).
    {
      const v = s.victim();
      const t0 = s.someTime(3, 87, 13, 15);
      for (let j = 0; j < 6; j++) {
        const supplier = s.payee(`supplier-${i}-${j}`, t0 - 2000 * DAY, t0 - 100 * DAY);
        s.emit('good_shop_pays_suppliers', s.transfer(v, t0 + j * 20 * MINUTE, supplier, yuan(s.int(3, 12) * 100)), 'not_fraud');
      }
    }
    // Money from a sibling passed on to the parents the same evening (F29).
    {
      const v = s.victim();
      const t0 = s.at(s.pick([20, 50, 80]) + s.int(1, 5), 12, s.int(0, 59));
      const amount = yuan(s.int(6, 12) * 1000);
      s.emit('good_family_forward', s.transferIn(v, t0, amount));
      s.emit('good_family_forward', s.transfer(v, t0 + s.int(3, 8) * HOUR, v.family, Math.round(amount * 0.95)), 'not_fraud');
    }
    // Back after more than 90 days away, borrowing again (F26 dormancy).
    {
      const v = mule(s, `gd${i}`, { age: s.int(30, 50), since: s.start - 500 * DAY });
      s.emit('good_customer_back', s.base(v, 'repayment', s.start - s.int(10, 20) * DAY, { amount: yuan(3_000) }));
      const t0 = s.someTime(85, 89, 9, 20);
      s.emit('good_customer_back', s.drawdown(v, t0, yuan(5_000), v.creditLimit), 'not_fraud');
    }
  }
}
