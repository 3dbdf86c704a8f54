/** The contract's password rule, in words, shown under every new-password field. */
export const PASSWORD_HINT =
  'At least 12 characters. A few unrelated words make a strong, memorable passphrase; common passwords are refused.';
