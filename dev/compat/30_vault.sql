-- A Vault-compatible secret store: vault.create_secret / vault.update_secret and the view
-- vault.decrypted_secrets, with Supabase Vault's signatures. Secrets are encrypted at rest with
-- pgcrypto under a per-cluster key that only the superuser can read.
create schema if not exists vault;
revoke all on schema vault from public;

create table if not exists vault._key (
  singleton boolean primary key default true check (singleton),
  key text not null default encode(extensions.gen_random_bytes(32), 'hex')
);
insert into vault._key default values on conflict do nothing;
revoke all on vault._key from public;

create table if not exists vault.secrets (
  id uuid primary key default gen_random_uuid(),
  name text unique,
  description text not null default '',
  secret text not null,
  key_id uuid,
  nonce bytea,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
revoke all on vault.secrets from public;

-- The key is 32 random bytes, not a password: OpenPGP's iterated key derivation (pgcrypto's default,
-- s2k-mode 3, 65,536+ bytes hashed for every decryption) would add nothing to its strength, only
-- 0.2-0.5 ms of CPU to every secret read, where Supabase Vault (libsodium) takes microseconds. Salted
-- once (s2k-mode 1) it costs about what hosted Vault does. (Decryption reads the mode from the cipher
-- text, so secrets written either way read back.)
create or replace function vault._encrypt(plain text) returns text
language sql volatile security definer set search_path = ''
as $$
  select encode(extensions.pgp_sym_encrypt(plain, (select key from vault._key), 's2k-mode=1'), 'base64')
$$;

create or replace function vault._decrypt(cipher text) returns text
language sql stable security definer set search_path = ''
as $$
  select extensions.pgp_sym_decrypt(decode(cipher, 'base64'), (select key from vault._key))
$$;

create or replace function vault.create_secret(
  new_secret text,
  new_name text default null,
  new_description text default '',
  new_key_id uuid default null
) returns uuid
language sql volatile security definer set search_path = ''
as $$
  insert into vault.secrets (secret, name, description, key_id)
  values (vault._encrypt(new_secret), new_name, coalesce(new_description, ''), new_key_id)
  returning id
$$;

create or replace function vault.update_secret(
  secret_id uuid,
  new_secret text default null,
  new_name text default null,
  new_description text default null,
  new_key_id uuid default null
) returns void
language sql volatile security definer set search_path = ''
as $$
  update vault.secrets
     set secret = coalesce(vault._encrypt(new_secret), secret),
         name = coalesce(new_name, name),
         description = coalesce(new_description, description),
         key_id = coalesce(new_key_id, key_id),
         updated_at = now()
   where id = secret_id
$$;

create or replace view vault.decrypted_secrets as
  select s.id, s.name, s.description, s.secret, vault._decrypt(s.secret) as decrypted_secret,
         s.key_id, s.nonce, s.created_at, s.updated_at
    from vault.secrets s;

revoke all on all functions in schema vault from public;
revoke all on vault.decrypted_secrets from public;
grant usage on schema vault to service_role;
grant select on vault.decrypted_secrets to service_role;
grant execute on function vault.create_secret(text, text, text, uuid),
  vault.update_secret(uuid, text, text, text, uuid) to service_role;
grant execute on function vault._decrypt(text) to service_role;
