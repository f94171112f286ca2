// Phone-scam scenarios for the fraud demo seed (rules/fraud/phone_scam.zy,
// F19–F25), each `k` times, with the good customers who trip the same rules:
// an elderly customer paying a builder, a car bought in the app, school fees.
import { FraudSeed, yuan, type Person } from './fraud-context.ts';
import { DAY, HOUR, MINUTE } from './rows.ts';

/**
 * The scam call on the victim's own phone: it rings some minutes before `t0`
 * and ends `after` it. The device reports the call as it starts and ends, so
 * the victim's events during it read "in a call with an unknown number" and
 * the ones before and after do not.
 */
function onCall(s: FraudSeed, v: Person, t0: number, after: number): string {
  s.call(v.device, t0 - s.int(8, 55) * MINUTE, t0 + after);
  return v.device;
}

export function scamScenarios(s: FraudSeed, k: number): void {
  for (let i = 0; i < k; i++) {
    // "Safe account": most of the limit drawn down during a call, then most of it out to a new payee (F19, F21, F25, F26).
    {
      const v = s.victim();
      const t0 = s.someTime(3, 88, 9, 21);
      const dev = i % 3 === 2 ? v.device : onCall(s, v, t0, 30 * MINUTE); // some victims were told to hang up first
      const available = Math.round(v.creditLimit * (0.7 + s.r() * 0.3) / 100) * 100;
      const drawn = Math.round(available * (0.85 + s.r() * 0.15) / 100) * 100;
      s.emit('safe_account', s.drawdown(v, t0, drawn, available, { device_id: dev, auth_method: 'face' }), 'fraud');
      const payee = s.payee(`safe-${i}`, t0 - s.int(3, 30) * HOUR, t0 + 5 * MINUTE);
      s.emit('safe_account', s.payeeAdd(v, t0 + 5 * MINUTE, payee, { device_id: dev, auth_method: 'face' }), 'fraud');
      s.emit('safe_account', s.newPayeeTransfer(v, t0 + s.int(8, 25) * MINUTE, payee, Math.round(drawn * (0.9 + s.r() * 0.1)), t0 + 5 * MINUTE, { device_id: dev, auth_method: 'face' }), 'fraud');
    }
    // Warned during the call, the customer carries on: hold and call back (F19 on repeat).
    {
      const v = s.victim();
      const t0 = s.someTime(3, 88, 9, 21);
      const dev = onCall(s, v, t0, 45 * MINUTE);
      const available = v.creditLimit;
      s.emit('scam_after_warning', s.drawdown(v, t0, Math.round(available * 0.3 / 100) * 100, available, { device_id: dev }), 'fraud');
      s.emit('scam_after_warning', s.base(v, 'scam_warning_ack', t0 + MINUTE, { device_id: dev }), 'fraud');
      const payee = s.payee(`warned-${i}`, t0 - s.int(1, 90) * DAY, t0 + 6 * MINUTE);
      s.emit('scam_after_warning', s.newPayeeTransfer(v, t0 + s.int(6, 40) * MINUTE, payee, yuan(s.int(3, 15) * 1000), t0 + 6 * MINUTE, { device_id: dev }), 'fraud');
    }
    // The "customer service" caller asked to share the screen (F20).
    {
      const v = s.victim();
      const t0 = s.someTime(3, 88, 9, 21);
      // The screen is shared, or a remote-control app runs, for the ten minutes it takes.
      const dev = v.device;
      const sharing = i % 2 === 0 ? 'screen_sharing_active' : 'remote_control_app_running';
      s.change('device', dev, t0 - MINUTE, { [sharing]: true });
      s.change('device', dev, t0 + 10 * MINUTE, { [sharing]: false });
      s.emit('screen_sharing', s.login(v, t0, { device_id: dev }), 'fraud');
      const payee = s.payee(`share-acct-${i}`, t0 - s.int(1, 90) * DAY, t0 + 3 * MINUTE);
      s.emit('screen_sharing', s.payeeAdd(v, t0 + 3 * MINUTE, payee, { device_id: dev }), 'fraud');
      s.emit('screen_sharing', s.newPayeeTransfer(v, t0 + 6 * MINUTE, payee, yuan(s.int(2, 20) * 1000), t0 + 3 * MINUTE, { device_id: dev }), 'fraud');
    }
    // A payee on the police list; some paid it before it was listed (F22, as of the event's time).
    {
      const v = s.victim();
      const t0 = s.someTime(10, 85, 9, 21);
      const payee = s.payee(`police-acct-${i}`, t0 - s.int(5, 60) * DAY, t0);
      s.list('police_fraud_accounts', payee, i % 3 === 0 ? t0 + 2 * DAY : t0 - s.int(1, 9) * DAY);
      s.emit('police_list_payee', s.payeeAdd(v, t0, payee), 'fraud');
      s.emit('police_list_payee', s.newPayeeTransfer(v, t0 + s.int(2, 20) * MINUTE, payee, yuan(s.int(1, 30) * 1000), t0), 'fraud');
    }
    // A customer the police flag as a mule: everything but repayments stops from the listing on (F22).
    {
      const m = s.person(`fq${i}`, { since: s.start - 200 * DAY });
      const flagged = s.someTime(20, 70);
      s.list('police_flagged_persons', m.idHash, flagged);
      // The whole customer is labelled: with hindsight, the activity before the listing was the mule's too.
      s.customerLabels.push({ customer: m.id, label: 'fraud', at: flagged + s.int(3, 10) * DAY, note: 'police_flagged_person' });
      for (let j = 0; j < 6; j++) {
        const t = flagged + s.int(-15, 15) * DAY + s.int(0, 10) * HOUR;
        s.emit('police_flagged_person', s.login(m, t));
        if (j % 2 === 0) s.emit('police_flagged_person', s.transferIn(m, t + HOUR, yuan(s.int(5, 30) * 1000)));
        else s.emit('police_flagged_person', s.base(m, 'repayment', t + HOUR, { amount: yuan(2_000) }));
      }
    }
    // An elderly customer talked into a large transfer to a new payee (F23).
    {
      const v = s.victim((p) => p.age >= 60);
      const t0 = s.someTime(3, 88, 9, 18);
      const payee = s.payee(`elder-${i}`, t0 - s.int(1, 300) * DAY, t0);
      s.emit('elderly_scam', s.payeeAdd(v, t0, payee), 'fraud');
      s.emit('elderly_scam', s.newPayeeTransfer(v, t0 + s.int(3, 30) * MINUTE, payee, yuan(s.int(10, 40) * 1000), t0), 'fraud');
    }
    // Split transfers past ¥50,000 in a day, over the victim's limit too (F24, F25).
    {
      const v = s.victim((p) => p.dailyLimit <= yuan(50_000));
      const t0 = s.someTime(3, 88, 9, 18);
      const payee = s.payee(`split-${i}`, t0 - s.int(1, 300) * DAY, t0);
      for (let j = 0; j < 3; j++) {
        s.emit('split_large_transfers', s.newPayeeTransfer(v, t0 + j * s.int(15, 40) * MINUTE, payee, yuan(s.int(18, 28) * 1000), t0, { auth_method: 'face' }), 'fraud');
      }
    }
  }
  for (let i = 0; i < Math.max(2, Math.ceil(k / 2)); i++) {
    // An elderly customer pays a new builder (F23).
    {
      const v = s.victim((p) => p.age >= 60);
      const t0 = s.someTime(3, 88, 9, 18);
      const payee = s.payee(`builder-${i}`, t0 - s.int(300, 3000) * DAY, t0);
      s.emit('good_elderly_new_payee', s.newPayeeTransfer(v, t0, payee, yuan(s.int(10, 25) * 1000), t0, { auth_method: 'face' }), 'not_fraud');
    }
    // A car bought in the app with a face check, not a certificate (F24).
    {
      const v = s.victim((p) => p.dailyLimit >= yuan(100_000));
      const t0 = s.someTime(3, 88, 9, 18);
      const dealer = s.payee(`dealer-${i}`, t0 - 2000 * DAY, t0);
      s.emit('good_car_purchase', s.newPayeeTransfer(v, t0, dealer, yuan(s.int(55, 95) * 1000), t0, { auth_method: 'face', payee_type: 'merchant' }), 'not_fraud');
    }
    // School fees above a ¥20,000 daily limit (F25).
    {
      const v: Person = s.victim((p) => p.dailyLimit === yuan(20_000));
      const t0 = s.someTime(3, 88, 9, 18);
      const school = s.payee(`school-${i}`, t0 - 3000 * DAY, t0);
      s.emit('good_over_daily_limit', s.newPayeeTransfer(v, t0, school, yuan(s.int(21, 30) * 1000), t0, { auth_method: 'face', payee_type: 'merchant' }), 'not_fraud');
    }
  }
}
