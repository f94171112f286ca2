// The baseline: the 40 rules of bench/packs/fraud40 written by hand in plain
// TypeScript, the way a careful engineer would without a rules engine. It
// takes the event as it arrives (a plain object) and the customer row (or
// undefined) — or, for bench/flat40.ts, one flat record as both and the
// time as `at` — and returns which rules fired (by their index in the pack, in
// order) and the score.
//
// Missing values follow the pack's semantics for the data bench/events.ts
// produces: a field that is absent or null is missing; a comparison with a
// missing value is not true; `not x` is true only when x is present and
// false; `a != b` needs both present; division by zero is missing. It does no
// input validation (the engine's loader does; the generated events are valid).

// Time and money constants, as in the pack.
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const SHANGHAI = 8 * HOUR;
const YUAN = 100;

const POLICE_FRAUD_ACCOUNTS = new Set([
  'P-100017', 'P-100103', 'P-100271', 'P-100388', 'P-100452', 'P-100519', 'P-100640', 'P-100733', 'P-100815', 'P-100902',
  'P-101044', 'P-101187', 'P-101250', 'P-101336', 'P-101479', 'P-101528', 'P-101603', 'P-101777', 'P-101840', 'P-101966',
  'P-102031', 'P-102145', 'P-102208', 'P-102390', 'P-102417', 'P-102566', 'P-102689', 'P-102704', 'P-102851', 'P-102999',
]);
const DEVICE_BLACKLIST = new Set([
  'D-900011', 'D-900042', 'D-900087', 'D-900135', 'D-900168', 'D-900204', 'D-900259', 'D-900313', 'D-900376', 'D-900401',
  'D-900455', 'D-900512', 'D-900578', 'D-900623', 'D-900690', 'D-900734', 'D-900781', 'D-900826', 'D-900879', 'D-900915',
  'D-900948', 'D-900972', 'D-900986', 'D-900993', 'D-900999',
]);
const DISPOSABLE_EMAIL_DOMAINS = new Set([
  '10minutemail.com', 'guerrillamail.com', 'mailinator.com', 'tempmail.com', 'temp-mail.org', 'yopmail.com', 'throwawaymail.com',
  'trashmail.com', 'getnada.com', 'dispostable.com', 'sharklasers.com', 'maildrop.cc', 'fakeinbox.com', 'mintemail.com',
  'mytemp.email', 'emailondeck.com', 'spamgourmet.com', 'mailnesia.com', 'tempr.email', 'moakt.com', 'burnermail.io',
  '33mail.com', 'anonaddy.me', 'dropmail.me', 'emailfake.com', 'fakemail.net', 'harakirimail.com', 'incognitomail.org',
  'jetable.org', 'mailcatch.com', 'mailpoof.com', 'mohmal.com', 'nowmymail.com', 'spambox.us', 'tempail.com',
  'tempinbox.com', 'tmpmail.org', 'trash-mail.com', 'wegwerfmail.de', 'linshiyouxiang.net',
]);
const HIGH_RISK_COUNTRIES = new Set([
  'KP', 'IR', 'SY', 'CU', 'MM', 'KH', 'LA', 'PH', 'VN', 'TH', 'NG', 'GH', 'AF', 'YE', 'SO', 'SS', 'LY', 'VE', 'HT', 'ML',
]);
const GAMBLING_MCC = new Set(['7995', '7800', '7801', '7802', '7994', '6051', '6211', '4829', '6540', '5933', '7273', '5967', '5993', '9754', '6012']);
const PREPAID_BINS = new Set(['622622', '621700', '623058', '625814', '628288', '620550', '621483', '622155', '623501', '621098', '624302', '628366']);
const VIRTUAL_CARRIER_PREFIXES = new Set(['170', '171', '162', '165', '167']);

export interface Result {
  fired: number[];
  score: number;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- events arrive as plain JSON objects */
export function decideHandwritten(e: any, c: any, at?: number): Result {
  const fired: number[] = [];
  let score = 0;

  const type: string = e.type;
  const now: number = at ?? e.occurred_at;
  const money = type === 'drawdown' || type === 'transfer_out';
  const application = type === 'application';
  const securityChange = type === 'password_reset' || type === 'phone_change' || type === 'bankcard_bind' || type === 'payee_add';
  const amount = e.amount;
  const hasAmount = amount != null;
  const night = (now + SHANGHAI) % DAY < 6 * HOUR;
  const firstSeen = e.device_first_seen_at;
  const newDevice = firstSeen != null && now - firstSeen < 12 * HOUR;
  const auth = e.auth_method;
  const weakAuth = auth != null && auth !== 'face' && auth !== 'cert';
  const age = c === undefined ? undefined : c.age_years;
  const hasAge = age != null;

  // 0 POLICE_PAYEE
  if (money && POLICE_FRAUD_ACCOUNTS.has(e.payee_id)) fired.push(0);
  // 1 DEVICE_BLACKLIST
  if (DEVICE_BLACKLIST.has(e.device_id)) fired.push(1);
  // 2 TAMPERED_DEVICE
  if (e.is_emulator === true || e.is_rooted === true || e.has_hook_framework === true) { fired.push(2); score += 40; }
  // 3 REMOTE_CONTROL
  if ((e.screen_sharing_active === true || e.remote_control_app === true) && (money || securityChange)) fired.push(3);

  if (application) {
    // 4 UNDERAGE
    if (hasAge && age < 18) fired.push(4);
    // 5 AGE_BAND
    if (hasAge && (age < 22 || age > 55)) fired.push(5);
    // 6 NIGHT_SCRIPTED
    const ct = e.completion_time;
    if (night && ct != null && ct < MIN) fired.push(6);
    // 7 MULTI_LENDER
    if (e.hard_inquiries_30d >= 6 || e.distinct_lenders_7d >= 4) { fired.push(7); score += 30; }
    // 8 KYC_FAILED
    const face = e.face_match_score;
    if ((face != null && face < 0.7) || e.liveness_passed === false || e.three_factor_match === false) fired.push(8);
    // 9 STUDENT_APPLICANT
    if (c !== undefined && c.is_student === true) fired.push(9);
    // 10 VIRTUAL_CARRIER
    const phone = e.phone;
    if (phone != null && VIRTUAL_CARRIER_PREFIXES.has(phone.slice(0, 3))) { fired.push(10); score += 20; }
    // 11 DISPOSABLE_EMAIL
    if (DISPOSABLE_EMAIL_DOMAINS.has(e.email_domain)) { fired.push(11); score += 15; }
    // 12 GEO_MISMATCH
    const ipCity = e.ip_city;
    const city = c === undefined ? undefined : c.declared_city;
    if (ipCity != null && city != null && ipCity !== city && e.gps_distance_km > 100) fired.push(12);
  }

  // 13 NEW_PHONE_NUMBER
  if (application || money) {
    const tenure = c === undefined ? undefined : c.phone_tenure_months;
    if (tenure != null && tenure < 6) { fired.push(13); score += 15; }
  }

  if (money) {
    // 14 SIM_SWAP_OTP
    const sim = e.sim_changed_at;
    if (auth === 'sms_otp' && sim != null && now - sim < 72 * HOUR) fired.push(14);
    // 15 NEW_DEVICE_CASHOUT
    if (newDevice && amount > 5000 * YUAN) fired.push(15);
    const transfer = type === 'transfer_out';
    // 16 SCAM_CALL
    if (transfer && e.in_call === true && e.call_peer_in_contacts === false && e.payee_is_new === true) fired.push(16);
    const max90 = c === undefined ? undefined : c.max_amount_90d;
    // 17 ELDERLY_LARGE
    if (transfer && hasAge && age >= 60 && e.payee_is_new === true && hasAmount && (amount >= 10_000 * YUAN || (max90 != null && amount > max90))) fired.push(17);
    if (type === 'drawdown' && c !== undefined && hasAmount) {
      // 18 INCOME_RATIO
      const income = c.monthly_income;
      if (income != null && income !== 0 && amount / income > 0.5) fired.push(18);
      // 19 LIMIT_DRAIN
      const limit = c.available_limit;
      if (limit != null && amount >= limit * 0.8) { fired.push(19); score += 25; }
    }
    // 20 AMOUNT_SPIKE
    if (hasAmount && max90 != null && amount > max90 * 1.5) { fired.push(20); score += 20; }
    // 21 RESTRICTED_PAYEE
    const payeeType = e.payee_type;
    if (payeeType === 'securities' || payeeType === 'futures' || payeeType === 'crypto' || payeeType === 'real_estate') fired.push(21);
    // 22 GAMBLING_MCC
    if (GAMBLING_MCC.has(e.merchant_mcc)) fired.push(22);
  }

  const country = e.ip_country;
  // 23 HIGH_RISK_COUNTRY
  if ((money || application) && HIGH_RISK_COUNTRIES.has(country)) fired.push(23);
  // 24 FOREIGN_IP
  if (money && country != null && country !== 'CN' && country !== 'HK' && country !== 'MO') { fired.push(24); score += 20; }

  if (type === 'login') {
    const failures = e.login_failures_1h;
    // 25 VPN_LOGIN_FAILURES
    if (e.is_vpn_or_proxy === true && failures >= 3) fired.push(25);
    // 26 CREDENTIAL_STUFFING
    if (failures >= 5) fired.push(26);
  }

  // 27 PASSWORD_THEN_MONEY
  if (money) {
    const pwd = e.password_changed_at;
    if (pwd != null && now - pwd < DAY && firstSeen != null && now - firstSeen < 7 * DAY) fired.push(27);
  }
  // 28 SECURITY_CHANGE_NEW_DEVICE
  if (securityChange && newDevice && weakAuth) fired.push(28);
  // 29 VELOCITY_24H
  if (money && e.outflow_count_24h >= 5) { fired.push(29); score += 20; }
  // 30 DAILY_LIMIT
  if (type === 'transfer_out' && c !== undefined && c.opted_up === false && hasAmount) {
    const limit = c.daily_limit;
    if (limit != null && (e.outflow_sum_today ?? 0) + amount > limit) fired.push(30);
  }
  if (type === 'drawdown' && c !== undefined) {
    // 31 DPD_DRAWDOWN
    if (c.days_past_due > 30) fired.push(31);
    // 32 PAYMENT_PLAN_DRAWDOWN
    if (c.in_payment_plan === true) fired.push(32);
  }
  if (money) {
    // 33 STRONG_AUTH
    if (amount >= 50_000 * YUAN && weakAuth) fired.push(33);
    // 34 KYC_LEVEL_LARGE
    const kyc = c === undefined ? undefined : c.kyc_level;
    if (kyc != null && kyc !== 'full' && amount >= 10_000 * YUAN) fired.push(34);
  }
  // 35 PREPAID_CARD_BIND
  if (type === 'bankcard_bind' && PREPAID_BINS.has(e.card_bin)) fired.push(35);
  if (money) {
    // 36 ROUND_AMOUNT
    if (amount >= 20_000 * YUAN && amount % (1000 * YUAN) === 0) { fired.push(36); score += 10; }
    // 37 NEW_ACCOUNT_LARGE
    const accountAge = c === undefined ? undefined : c.account_age_days;
    if (accountAge != null && accountAge < 7 && amount >= 20_000 * YUAN) fired.push(37);
  }
  const channel = e.channel;
  // 38 ATM_NIGHT
  if (channel === 'atm' && night && amount >= 3000 * YUAN) { fired.push(38); score += 15; }
  // 39 OLD_APP_VERSION
  if (channel === 'app' && (money || securityChange)) {
    const v = e.app_version;
    if (v != null && (v.startsWith('1.') || v.startsWith('2.0.'))) { fired.push(39); score += 10; }
  }
  return { fired, score };
}

/** The pack's rule ids by index, so the harness can check the two stay in step. */
export const RULE_IDS: readonly string[] = [
  'POLICE_PAYEE', 'DEVICE_BLACKLIST', 'TAMPERED_DEVICE', 'REMOTE_CONTROL', 'UNDERAGE', 'AGE_BAND', 'NIGHT_SCRIPTED',
  'MULTI_LENDER', 'KYC_FAILED', 'STUDENT_APPLICANT', 'VIRTUAL_CARRIER', 'DISPOSABLE_EMAIL', 'GEO_MISMATCH', 'NEW_PHONE_NUMBER',
  'SIM_SWAP_OTP', 'NEW_DEVICE_CASHOUT', 'SCAM_CALL', 'ELDERLY_LARGE', 'INCOME_RATIO', 'LIMIT_DRAIN', 'AMOUNT_SPIKE',
  'RESTRICTED_PAYEE', 'GAMBLING_MCC', 'HIGH_RISK_COUNTRY', 'FOREIGN_IP', 'VPN_LOGIN_FAILURES', 'CREDENTIAL_STUFFING',
  'PASSWORD_THEN_MONEY', 'SECURITY_CHANGE_NEW_DEVICE', 'VELOCITY_24H', 'DAILY_LIMIT', 'DPD_DRAWDOWN', 'PAYMENT_PLAN_DRAWDOWN',
  'STRONG_AUTH', 'KYC_LEVEL_LARGE', 'PREPAID_CARD_BIND', 'ROUND_AMOUNT', 'NEW_ACCOUNT_LARGE', 'ATM_NIGHT', 'OLD_APP_VERSION',
];
