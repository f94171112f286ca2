// Application-fraud scenarios for the fraud demo seed (rules/fraud/application.zy,
// F01–F12), each `k` times, and the good applicants who trip the same rules.
import { FraudSeed, type Person, type PersonOptions } from './fraud-context.ts';
import { DAY, HOUR, MINUTE } from './rows.ts';

/** A fresh identity applying for the first time at `t`. */
function applicant(s: FraudSeed, id: string, t: number, o: PersonOptions = {}): Person {
  const p = s.person(id, { since: t - 20 * MINUTE, age: s.int(22, 50), ...o });
  s.bureauFor(p, t);
  return p;
}

export function applicationScenarios(s: FraudSeed, k: number): void {
  for (let i = 0; i < k; i++) {
    // A device farm: four to six identities apply from one tampered device over a day (F01, F05, F10).
    {
      const t0 = s.someTime(3, 70, 9, 20);
      const farm = s.device(`farm-${i}`, {
        first_seen_at: t0 - 2 * HOUR, bound_at: t0 - 2 * HOUR,
        ...(i % 2 ? { is_emulator: true } : { has_hook_framework: true }),
      });
      const ids: Person[] = [];
      const n = s.int(4, 6);
      for (let j = 0; j < n; j++) {
        const t = t0 + j * s.int(3, 6) * HOUR;
        const p = applicant(s, `fa${i}-${j}`, t, { tenure: s.int(1, 4), device: {} });
        ids.push(p);
        s.emit('device_farm', s.registration(p, t - 10 * MINUTE, { device_id: farm }), 'fraud');
        s.emit('device_farm', s.application(p, t, { device_id: farm, form_completion: s.int(70, 150) * 1000 }), 'fraud');
        // After the third identity the device goes on the grey list (the action F01 asks for).
        if (j === 2) s.list('device_greylist', farm, t + 30 * MINUTE);
      }
      // One of them was approved before the farm was found, and draws down from the same device.
      const p = ids[0]!;
      const available = p.creditLimit;
      s.emit('device_farm', s.drawdown(p, t0 + s.int(3, 8) * DAY, Math.round(available * 0.9), available, { device_id: farm }), 'fraud');
    }
    // A sign-up bot: six registrations from one IP within eight minutes (F03).
    {
      const t0 = s.someTime(3, 85, 0, 24);
      const ip = s.ip();
      for (let j = 0; j < 6; j++) {
        const p = applicant(s, `fb${i}-${j}`, t0);
        s.emit('signup_burst', s.registration(p, t0 + j * s.int(40, 80) * 1000, { ip }), 'fraud');
      }
    }
    // A stolen ID number applied with five times in a week, three within a day (F02).
    {
      const t0 = s.someTime(3, 80, 9, 20);
      const p = applicant(s, `fs${i}`, t0);
      for (const [j, dt] of [0, 6 * HOUR, 19 * HOUR, 3 * DAY, 5 * DAY].entries()) {
        s.emit('stolen_id_velocity', s.application(p, t0 + dt, { device_id: s.device(`fs${i}-${j}`), phone_hash: `ph-fs${i}-${j}`, ip: s.ip() }), 'fraud');
      }
    }
    // An agent's phone number on three applications with different IDs in ten hours (F02).
    {
      const t0 = s.someTime(3, 85, 9, 12);
      for (let j = 0; j < 3; j++) {
        const p = applicant(s, `fm${i}-${j}`, t0);
        s.emit('agent_phone_velocity', s.application(p, t0 + j * s.int(2, 5) * HOUR, { phone_hash: `ph-agent-${i}` }), 'fraud');
      }
    }
    // Applying from far away from the declared city with someone else's ID (F04).
    {
      const t = s.someTime(3, 88);
      const p = applicant(s, `fl${i}`, t);
      s.emit('far_from_home', s.application(p, t, { ip_city: s.otherCity(p.city) }), 'fraud');
    }
    // Scripted applications at night, the form filled in seconds (F06).
    {
      const t = s.someTime(3, 88, 1, 5);
      const p = applicant(s, `fn${i}`, t);
      s.emit('night_script', s.application(p, t, { form_completion: s.int(12, 55) * 1000 }), 'fraud');
    }
    // Borrowing from many lenders at once: half of them are bust-outs (F07).
    {
      const t = s.someTime(3, 88);
      const p = applicant(s, `fx${i}`, t);
      // A second pull at the same moment: this one is the snapshot on record.
      s.bureauFor(p, t, { hard_inquiries_30d: s.int(6, 14), distinct_lenders_applied_7d: s.int(2, 6) });
      s.emit('multi_lender', s.application(p, t), ...(i % 2 === 0 ? ['fraud' as const] : []));
    }
    // Black-listed phone, device or bank card (F08).
    {
      const t = s.someTime(3, 88);
      const p = applicant(s, `fk${i}`, t);
      const which = i % 3;
      if (which === 0) s.list('internal_blocklist', p.phone, s.start - 30 * DAY);
      if (which === 1) s.list('industry_blocklist', p.device, s.start - 60 * DAY);
      const card = `card-fk${i}`;
      if (which === 2) s.list('internal_blocklist', card, s.start - 10 * DAY);
      s.emit('blocklisted_identity', s.application(p, t, which === 2 ? { bank_card_hash: card } : {}), 'fraud');
    }
    // On the court list of dishonest debtors: declined, but nobody calls it fraud (F08).
    {
      const t = s.someTime(3, 88);
      const p = applicant(s, `fc${i}`, t);
      s.list('court_dishonest_debtors', p.idHash, s.start - 100 * DAY);
      s.emit('court_dishonest_applicant', s.application(p, t));
    }
    // Three of the five declared contacts on the black list (F09).
    {
      const t = s.someTime(3, 88);
      const p = applicant(s, `fe${i}`, t);
      s.list('internal_blocklist', `ec1-${p.id}`, s.start - 40 * DAY);
      s.list('internal_blocklist', `ec3-${p.id}`, s.start - 40 * DAY);
      s.list('internal_blocklist', `ec4-${p.id}`, s.start - 40 * DAY);
      s.emit('risky_contacts', s.application(p, t), 'fraud');
    }
    // Someone else's face, or a photo held up to the camera (F11).
    {
      const t = s.someTime(3, 88);
      const p = applicant(s, `fi${i}`, t);
      s.emit('impersonation', s.application(p, t, i % 2 ? { face_match_score: s.int(30, 70) / 100 } : { liveness_passed: false }), 'fraud');
    }
  }
  // Good applicants who trip the same rules, fewer of them.
  for (let i = 0; i < Math.max(2, Math.ceil(k / 2)); i++) {
    // The app crashed twice; the third attempt went through (F02, same ID and phone).
    {
      const t0 = s.someTime(3, 88);
      const p = applicant(s, `gr${i}`, t0);
      for (let j = 0; j < 3; j++) s.emit('good_applicant_retry', s.application(p, t0 + j * s.int(10, 40) * MINUTE), 'not_fraud');
    }
    // On a business trip (F04).
    {
      const t = s.someTime(3, 88);
      const p = applicant(s, `gt${i}`, t);
      s.emit('good_applicant_travelling', s.application(p, t, { ip_city: s.otherCity(p.city) }), 'not_fraud');
    }
    // A poor selfie in bad light (F11).
    {
      const t = s.someTime(3, 88);
      const p = applicant(s, `gp${i}`, t);
      s.emit('good_applicant_poor_photo', s.application(p, t, { face_match_score: s.int(72, 79) / 100 }), 'not_fraud');
    }
    // The liveness vendor timed out (F11: incomplete, to review).
    {
      const t = s.someTime(3, 88);
      const p = applicant(s, `gv${i}`, t);
      s.emit('kyc_vendor_timeout', s.application(p, t, { liveness_passed: undefined }), 'not_fraud');
    }
    // Outside the product's age band, or under age (F12): declined by policy.
    {
      const t = s.someTime(3, 88);
      const old = applicant(s, `go${i}`, t, { age: s.int(56, 63) });
      s.emit('outside_age_band', s.application(old, t), 'not_fraud');
      const young = applicant(s, `gu${i}`, t + HOUR, { age: 17 });
      s.emit('under_age', s.application(young, t + HOUR));
    }
  }
}
