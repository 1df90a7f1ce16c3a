-- Baseline: the whole schema, generated from supabase/schemas/ (bash dev/schema-baseline.sh).
-- Edit supabase/schemas/, never this file; later changes are migrations made by npm run db:diff -- <name>.

-- ==== supabase/schemas/010_extensions_and_schemas.sql

-- Extensions, the schemas beside public, and default privileges.
-- The roles (anon, authenticated, service_role), the auth and vault schemas and, locally, the pg_net-compatible
-- `net` schema are provided by the platform (hosted Supabase or dev/compat), never created here.

create schema if not exists extensions;

-- pg_cron: hosted Supabase and the local stack both ship it (and preload it).
do $$
begin
  if exists (select 1 from pg_available_extensions where name = 'pg_cron') then
    create extension if not exists pg_cron with schema pg_catalog;
  end if;
end
$$;

-- pg_net: a real extension on hosted Supabase. Locally the stack installs a compatible `net` schema before
-- migrations run (it is not an extension), so only create the extension where it exists and `net` does not.
do $$
begin
  if exists (select 1 from pg_available_extensions where name = 'pg_net')
     and not exists (select 1 from pg_namespace where nspname = 'net') then
    create extension if not exists pg_net with schema extensions;
  end if;
end
$$;

-- Helpers used by policies, checks and triggers. Not exposed through the API (not in the exposed schemas),
-- and nothing in it is executable unless granted explicitly.
create schema if not exists private;
revoke all on schema private from public;
grant usage on schema private to service_role;
comment on schema private is
  'Security-definer helpers for row-level security, check constraints and triggers. Not exposed through the API.';

-- Schema `scheduling`: the slot-choice helpers that the SECURITY INVOKER scheduling functions (public.schedule_content
-- and friends, run as `authenticated` under RLS) call by name. `authenticated` may not use schema private, so these
-- live here; the schema is not exposed through the API (config.toml lists only public, graphql_public).
create schema if not exists scheduling;
revoke all on schema scheduling from public;
grant usage on schema scheduling to authenticated, service_role;
comment on schema scheduling is
  'Slot choice and local-time helpers used by the scheduling functions. Not exposed through the API.';

-- Functions created from now on are not executable by PUBLIC (and so not by anon) unless granted.
-- This is global for objects created by the migration role: grant execute explicitly on anything callable.
alter default privileges revoke execute on functions from public;
alter default privileges in schema public revoke execute on functions from anon;
-- Tables, sequences and functions created later in public are never reachable by anon by default.
alter default privileges in schema public revoke all on tables from anon;
alter default privileges in schema public revoke all on sequences from anon;

grant usage on schema public to authenticated, service_role;

-- ==== supabase/schemas/020_private_helpers.sql

-- Private helpers the tables use from the start: time zone validation for check constraints and the
-- updated_at trigger function.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.is_valid_timezone(tz text) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $$
    begin
      if tz is null then
        return null;
      end if;
      if tz = any ('{Africa/Abidjan,Africa/Accra,Africa/Addis_Ababa,Africa/Algiers,Africa/Asmara,Africa/Asmera,Africa/Bamako,Africa/Bangui,Africa/Banjul,Africa/Bissau,Africa/Blantyre,Africa/Brazzaville,Africa/Bujumbura,Africa/Cairo,Africa/Casablanca,Africa/Ceuta,Africa/Conakry,Africa/Dakar,Africa/Dar_es_Salaam,Africa/Djibouti,Africa/Douala,Africa/El_Aaiun,Africa/Freetown,Africa/Gaborone,Africa/Harare,Africa/Johannesburg,Africa/Juba,Africa/Kampala,Africa/Khartoum,Africa/Kigali,Africa/Kinshasa,Africa/Lagos,Africa/Libreville,Africa/Lome,Africa/Luanda,Africa/Lubumbashi,Africa/Lusaka,Africa/Malabo,Africa/Maputo,Africa/Maseru,Africa/Mbabane,Africa/Mogadishu,Africa/Monrovia,Africa/Nairobi,Africa/Ndjamena,Africa/Niamey,Africa/Nouakchott,Africa/Ouagadougou,Africa/Porto-Novo,Africa/Sao_Tome,Africa/Timbuktu,Africa/Tripoli,Africa/Tunis,Africa/Windhoek,America/Adak,America/Anchorage,America/Anguilla,America/Antigua,America/Araguaina,America/Argentina/Buenos_Aires,America/Argentina/Catamarca,America/Argentina/ComodRivadavia,America/Argentina/Cordoba,America/Argentina/Jujuy,America/Argentina/La_Rioja,America/Argentina/Mendoza,America/Argentina/Rio_Gallegos,America/Argentina/Salta,America/Argentina/San_Juan,America/Argentina/San_Luis,America/Argentina/Tucuman,America/Argentina/Ushuaia,America/Aruba,America/Asuncion,America/Atikokan,America/Atka,America/Bahia,America/Bahia_Banderas,America/Barbados,America/Belem,America/Belize,America/Blanc-Sablon,America/Boa_Vista,America/Bogota,America/Boise,America/Buenos_Aires,America/Cambridge_Bay,America/Campo_Grande,America/Cancun,America/Caracas,America/Catamarca,America/Cayenne,America/Cayman,America/Chicago,America/Chihuahua,America/Ciudad_Juarez,America/Coral_Harbour,America/Cordoba,America/Costa_Rica,America/Coyhaique,America/Creston,America/Cuiaba,America/Curacao,America/Danmarkshavn,America/Dawson,America/Dawson_Creek,America/Denver,America/Detroit,America/Dominica,America/Edmonton,America/Eirunepe,America/El_Salvador,America/Ensenada,America/Fort_Nelson,America/Fort_Wayne,America/Fortaleza,America/Glace_Bay,America/Godthab,America/Goose_Bay,America/Grand_Turk,America/Grenada,America/Guadeloupe,America/Guatemala,America/Guayaquil,America/Guyana,America/Halifax,America/Havana,America/Hermosillo,America/Indiana/Indianapolis,America/Indiana/Knox,America/Indiana/Marengo,America/Indiana/Petersburg,America/Indiana/Tell_City,America/Indiana/Vevay,America/Indiana/Vincennes,America/Indiana/Winamac,America/Indianapolis,America/Inuvik,America/Iqaluit,America/Jamaica,America/Jujuy,America/Juneau,America/Kentucky/Louisville,America/Kentucky/Monticello,America/Knox_IN,America/Kralendijk,America/La_Paz,America/Lima,America/Los_Angeles,America/Louisville,America/Lower_Princes,America/Maceio,America/Managua,America/Manaus,America/Marigot,America/Martinique,America/Matamoros,America/Mazatlan,America/Mendoza,America/Menominee,America/Merida,America/Metlakatla,America/Mexico_City,America/Miquelon,America/Moncton,America/Monterrey,America/Montevideo,America/Montreal,America/Montserrat,America/Nassau,America/New_York,America/Nipigon,America/Nome,America/Noronha,America/North_Dakota/Beulah,America/North_Dakota/Center,America/North_Dakota/New_Salem,America/Nuuk,America/Ojinaga,America/Panama,America/Pangnirtung,America/Paramaribo,America/Phoenix,America/Port-au-Prince,America/Port_of_Spain,America/Porto_Acre,America/Porto_Velho,America/Puerto_Rico,America/Punta_Arenas,America/Rainy_River,America/Rankin_Inlet,America/Recife,America/Regina,America/Resolute,America/Rio_Branco,America/Rosario,America/Santa_Isabel,America/Santarem,America/Santiago,America/Santo_Domingo,America/Sao_Paulo,America/Scoresbysund,America/Shiprock,America/Sitka,America/St_Barthelemy,America/St_Johns,America/St_Kitts,America/St_Lucia,America/St_Thomas,America/St_Vincent,America/Swift_Current,America/Tegucigalpa,America/Thule,America/Thunder_Bay,America/Tijuana,America/Toronto,America/Tortola,America/Vancouver,America/Virgin,America/Whitehorse,America/Winnipeg,America/Yakutat,America/Yellowknife,Antarctica/Casey,Antarctica/Davis,Antarctica/DumontDUrville,Antarctica/Macquarie,Antarctica/Mawson,Antarctica/McMurdo,Antarctica/Palmer,Antarctica/Rothera,Antarctica/South_Pole,Antarctica/Syowa,Antarctica/Troll,Antarctica/Vostok,Arctic/Longyearbyen,Asia/Aden,Asia/Almaty,Asia/Amman,Asia/Anadyr,Asia/Aqtau,Asia/Aqtobe,Asia/Ashgabat,Asia/Ashkhabad,Asia/Atyrau,Asia/Baghdad,Asia/Bahrain,Asia/Baku,Asia/Bangkok,Asia/Barnaul,Asia/Beirut,Asia/Bishkek,Asia/Brunei,Asia/Calcutta,Asia/Chita,Asia/Choibalsan,Asia/Chongqing,Asia/Chungking,Asia/Colombo,Asia/Dacca,Asia/Damascus,Asia/Dhaka,Asia/Dili,Asia/Dubai,Asia/Dushanbe,Asia/Famagusta,Asia/Gaza,Asia/Harbin,Asia/Hebron,Asia/Ho_Chi_Minh,Asia/Hong_Kong,Asia/Hovd,Asia/Irkutsk,Asia/Istanbul,Asia/Jakarta,Asia/Jayapura,Asia/Jerusalem,Asia/Kabul,Asia/Kamchatka,Asia/Karachi,Asia/Kashgar,Asia/Kathmandu,Asia/Katmandu,Asia/Khandyga,Asia/Kolkata,Asia/Krasnoyarsk,Asia/Kuala_Lumpur,Asia/Kuching,Asia/Kuwait,Asia/Macao,Asia/Macau,Asia/Magadan,Asia/Makassar,Asia/Manila,Asia/Muscat,Asia/Nicosia,Asia/Novokuznetsk,Asia/Novosibirsk,Asia/Omsk,Asia/Oral,Asia/Phnom_Penh,Asia/Pontianak,Asia/Pyongyang,Asia/Qatar,Asia/Qostanay,Asia/Qyzylorda,Asia/Rangoon,Asia/Riyadh,Asia/Saigon,Asia/Sakhalin,Asia/Samarkand,Asia/Seoul,Asia/Shanghai,Asia/Singapore,Asia/Srednekolymsk,Asia/Taipei,Asia/Tashkent,Asia/Tbilisi,Asia/Tehran,Asia/Tel_Aviv,Asia/Thimbu,Asia/Thimphu,Asia/Tokyo,Asia/Tomsk,Asia/Ujung_Pandang,Asia/Ulaanbaatar,Asia/Ulan_Bator,Asia/Urumqi,Asia/Ust-Nera,Asia/Vientiane,Asia/Vladivostok,Asia/Yakutsk,Asia/Yangon,Asia/Yekaterinburg,Asia/Yerevan,Atlantic/Azores,Atlantic/Bermuda,Atlantic/Canary,Atlantic/Cape_Verde,Atlantic/Faeroe,Atlantic/Faroe,Atlantic/Jan_Mayen,Atlantic/Madeira,Atlantic/Reykjavik,Atlantic/South_Georgia,Atlantic/St_Helena,Atlantic/Stanley,Australia/ACT,Australia/Adelaide,Australia/Brisbane,Australia/Broken_Hill,Australia/Canberra,Australia/Currie,Australia/Darwin,Australia/Eucla,Australia/Hobart,Australia/LHI,Australia/Lindeman,Australia/Lord_Howe,Australia/Melbourne,Australia/NSW,Australia/North,Australia/Perth,Australia/Queensland,Australia/South,Australia/Sydney,Australia/Tasmania,Australia/Victoria,Australia/West,Australia/Yancowinna,Brazil/Acre,Brazil/DeNoronha,Brazil/East,Brazil/West,CET,CST6CDT,Canada/Atlantic,Canada/Central,Canada/Eastern,Canada/Mountain,Canada/Newfoundland,Canada/Pacific,Canada/Saskatchewan,Canada/Yukon,Chile/Continental,Chile/EasterIsland,Cuba,EET,EST,EST5EDT,Egypt,Eire,Etc/GMT,Etc/GMT+0,Etc/GMT+1,Etc/GMT+10,Etc/GMT+11,Etc/GMT+12,Etc/GMT+2,Etc/GMT+3,Etc/GMT+4,Etc/GMT+5,Etc/GMT+6,Etc/GMT+7,Etc/GMT+8,Etc/GMT+9,Etc/GMT-0,Etc/GMT-1,Etc/GMT-10,Etc/GMT-11,Etc/GMT-12,Etc/GMT-13,Etc/GMT-14,Etc/GMT-2,Etc/GMT-3,Etc/GMT-4,Etc/GMT-5,Etc/GMT-6,Etc/GMT-7,Etc/GMT-8,Etc/GMT-9,Etc/GMT0,Etc/Greenwich,Etc/UCT,Etc/UTC,Etc/Universal,Etc/Zulu,Europe/Amsterdam,Europe/Andorra,Europe/Astrakhan,Europe/Athens,Europe/Belfast,Europe/Belgrade,Europe/Berlin,Europe/Bratislava,Europe/Brussels,Europe/Bucharest,Europe/Budapest,Europe/Busingen,Europe/Chisinau,Europe/Copenhagen,Europe/Dublin,Europe/Gibraltar,Europe/Guernsey,Europe/Helsinki,Europe/Isle_of_Man,Europe/Istanbul,Europe/Jersey,Europe/Kaliningrad,Europe/Kiev,Europe/Kirov,Europe/Kyiv,Europe/Lisbon,Europe/Ljubljana,Europe/London,Europe/Luxembourg,Europe/Madrid,Europe/Malta,Europe/Mariehamn,Europe/Minsk,Europe/Monaco,Europe/Moscow,Europe/Nicosia,Europe/Oslo,Europe/Paris,Europe/Podgorica,Europe/Prague,Europe/Riga,Europe/Rome,Europe/Samara,Europe/San_Marino,Europe/Sarajevo,Europe/Saratov,Europe/Simferopol,Europe/Skopje,Europe/Sofia,Europe/Stockholm,Europe/Tallinn,Europe/Tirane,Europe/Tiraspol,Europe/Ulyanovsk,Europe/Uzhgorod,Europe/Vaduz,Europe/Vatican,Europe/Vienna,Europe/Vilnius,Europe/Volgograd,Europe/Warsaw,Europe/Zagreb,Europe/Zaporozhye,Europe/Zurich,Factory,GB,GB-Eire,GMT,GMT+0,GMT-0,GMT0,Greenwich,HST,Hongkong,Iceland,Indian/Antananarivo,Indian/Chagos,Indian/Christmas,Indian/Cocos,Indian/Comoro,Indian/Kerguelen,Indian/Mahe,Indian/Maldives,Indian/Mauritius,Indian/Mayotte,Indian/Reunion,Iran,Israel,Jamaica,Japan,Kwajalein,Libya,MET,MST,MST7MDT,Mexico/BajaNorte,Mexico/BajaSur,Mexico/General,NZ,NZ-CHAT,Navajo,PRC,PST8PDT,Pacific/Apia,Pacific/Auckland,Pacific/Bougainville,Pacific/Chatham,Pacific/Chuuk,Pacific/Easter,Pacific/Efate,Pacific/Enderbury,Pacific/Fakaofo,Pacific/Fiji,Pacific/Funafuti,Pacific/Galapagos,Pacific/Gambier,Pacific/Guadalcanal,Pacific/Guam,Pacific/Honolulu,Pacific/Johnston,Pacific/Kanton,Pacific/Kiritimati,Pacific/Kosrae,Pacific/Kwajalein,Pacific/Majuro,Pacific/Marquesas,Pacific/Midway,Pacific/Nauru,Pacific/Niue,Pacific/Norfolk,Pacific/Noumea,Pacific/Pago_Pago,Pacific/Palau,Pacific/Pitcairn,Pacific/Pohnpei,Pacific/Ponape,Pacific/Port_Moresby,Pacific/Rarotonga,Pacific/Saipan,Pacific/Samoa,Pacific/Tahiti,Pacific/Tarawa,Pacific/Tongatapu,Pacific/Truk,Pacific/Wake,Pacific/Wallis,Pacific/Yap,Poland,Portugal,ROC,ROK,Singapore,Turkey,UCT,US/Alaska,US/Aleutian,US/Arizona,US/Central,US/East-Indiana,US/Eastern,US/Hawaii,US/Indiana-Starke,US/Michigan,US/Mountain,US/Pacific,US/Samoa,UTC,Universal,W-SU,WET,Zulu,localtime,posix/Africa/Abidjan,posix/Africa/Accra,posix/Africa/Addis_Ababa,posix/Africa/Algiers,posix/Africa/Asmara,posix/Africa/Asmera,posix/Africa/Bamako,posix/Africa/Bangui,posix/Africa/Banjul,posix/Africa/Bissau,posix/Africa/Blantyre,posix/Africa/Brazzaville,posix/Africa/Bujumbura,posix/Africa/Cairo,posix/Africa/Casablanca,posix/Africa/Ceuta,posix/Africa/Conakry,posix/Africa/Dakar,posix/Africa/Dar_es_Salaam,posix/Africa/Djibouti,posix/Africa/Douala,posix/Africa/El_Aaiun,posix/Africa/Freetown,posix/Africa/Gaborone,posix/Africa/Harare,posix/Africa/Johannesburg,posix/Africa/Juba,posix/Africa/Kampala,posix/Africa/Khartoum,posix/Africa/Kigali,posix/Africa/Kinshasa,posix/Africa/Lagos,posix/Africa/Libreville,posix/Africa/Lome,posix/Africa/Luanda,posix/Africa/Lubumbashi,posix/Africa/Lusaka,posix/Africa/Malabo,posix/Africa/Maputo,posix/Africa/Maseru,posix/Africa/Mbabane,posix/Africa/Mogadishu,posix/Africa/Monrovia,posix/Africa/Nairobi,posix/Africa/Ndjamena,posix/Africa/Niamey,posix/Africa/Nouakchott,posix/Africa/Ouagadougou,posix/Africa/Porto-Novo,posix/Africa/Sao_Tome,posix/Africa/Timbuktu,posix/Africa/Tripoli,posix/Africa/Tunis,posix/Africa/Windhoek,posix/America/Adak,posix/America/Anchorage,posix/America/Anguilla,posix/America/Antigua,posix/America/Araguaina,posix/America/Argentina/Buenos_Aires,posix/America/Argentina/Catamarca,posix/America/Argentina/ComodRivadavia,posix/America/Argentina/Cordoba,posix/America/Argentina/Jujuy,posix/America/Argentina/La_Rioja,posix/America/Argentina/Mendoza,posix/America/Argentina/Rio_Gallegos,posix/America/Argentina/Salta,posix/America/Argentina/San_Juan,posix/America/Argentina/San_Luis,posix/America/Argentina/Tucuman,posix/America/Argentina/Ushuaia,posix/America/Aruba,posix/America/Asuncion,posix/America/Atikokan,posix/America/Atka,posix/America/Bahia,posix/America/Bahia_Banderas,posix/America/Barbados,posix/America/Belem,posix/America/Belize,posix/America/Blanc-Sablon,posix/America/Boa_Vista,posix/America/Bogota,posix/America/Boise,posix/America/Buenos_Aires,posix/America/Cambridge_Bay,posix/America/Campo_Grande,posix/America/Cancun,posix/America/Caracas,posix/America/Catamarca,posix/America/Cayenne,posix/America/Cayman,posix/America/Chicago,posix/America/Chihuahua,posix/America/Ciudad_Juarez,posix/America/Coral_Harbour,posix/America/Cordoba,posix/America/Costa_Rica,posix/America/Coyhaique,posix/America/Creston,posix/America/Cuiaba,posix/America/Curacao,posix/America/Danmarkshavn,posix/America/Dawson,posix/America/Dawson_Creek,posix/America/Denver,posix/America/Detroit,posix/America/Dominica,posix/America/Edmonton,posix/America/Eirunepe,posix/America/El_Salvador,posix/America/Ensenada,posix/America/Fort_Nelson,posix/America/Fort_Wayne,posix/America/Fortaleza,posix/America/Glace_Bay,posix/America/Godthab,posix/America/Goose_Bay,posix/America/Grand_Turk,posix/America/Grenada,posix/America/Guadeloupe,posix/America/Guatemala,posix/America/Guayaquil,posix/America/Guyana,posix/America/Halifax,posix/America/Havana,posix/America/Hermosillo,posix/America/Indiana/Indianapolis,posix/America/Indiana/Knox,posix/America/Indiana/Marengo,posix/America/Indiana/Petersburg,posix/America/Indiana/Tell_City,posix/America/Indiana/Vevay,posix/America/Indiana/Vincennes,posix/America/Indiana/Winamac,posix/America/Indianapolis,posix/America/Inuvik,posix/America/Iqaluit,posix/America/Jamaica,posix/America/Jujuy,posix/America/Juneau,posix/America/Kentucky/Louisville,posix/America/Kentucky/Monticello,posix/America/Knox_IN,posix/America/Kralendijk,posix/America/La_Paz,posix/America/Lima,posix/America/Los_Angeles,posix/America/Louisville,posix/America/Lower_Princes,posix/America/Maceio,posix/America/Managua,posix/America/Manaus,posix/America/Marigot,posix/America/Martinique,posix/America/Matamoros,posix/America/Mazatlan,posix/America/Mendoza,posix/America/Menominee,posix/America/Merida,posix/America/Metlakatla,posix/America/Mexico_City,posix/America/Miquelon,posix/America/Moncton,posix/America/Monterrey,posix/America/Montevideo,posix/America/Montreal,posix/America/Montserrat,posix/America/Nassau,posix/America/New_York,posix/America/Nipigon,posix/America/Nome,posix/America/Noronha,posix/America/North_Dakota/Beulah,posix/America/North_Dakota/Center,posix/America/North_Dakota/New_Salem,posix/America/Nuuk,posix/America/Ojinaga,posix/America/Panama,posix/America/Pangnirtung,posix/America/Paramaribo,posix/America/Phoenix,posix/America/Port-au-Prince,posix/America/Port_of_Spain,posix/America/Porto_Acre,posix/America/Porto_Velho,posix/America/Puerto_Rico,posix/America/Punta_Arenas,posix/America/Rainy_River,posix/America/Rankin_Inlet,posix/America/Recife,posix/America/Regina,posix/America/Resolute,posix/America/Rio_Branco,posix/America/Rosario,posix/America/Santa_Isabel,posix/America/Santarem,posix/America/Santiago,posix/America/Santo_Domingo,posix/America/Sao_Paulo,posix/America/Scoresbysund,posix/America/Shiprock,posix/America/Sitka,posix/America/St_Barthelemy,posix/America/St_Johns,posix/America/St_Kitts,posix/America/St_Lucia,posix/America/St_Thomas,posix/America/St_Vincent,posix/America/Swift_Current,posix/America/Tegucigalpa,posix/America/Thule,posix/America/Thunder_Bay,posix/America/Tijuana,posix/America/Toronto,posix/America/Tortola,posix/America/Vancouver,posix/America/Virgin,posix/America/Whitehorse,posix/America/Winnipeg,posix/America/Yakutat,posix/America/Yellowknife,posix/Antarctica/Casey,posix/Antarctica/Davis,posix/Antarctica/DumontDUrville,posix/Antarctica/Macquarie,posix/Antarctica/Mawson,posix/Antarctica/McMurdo,posix/Antarctica/Palmer,posix/Antarctica/Rothera,posix/Antarctica/South_Pole,posix/Antarctica/Syowa,posix/Antarctica/Troll,posix/Antarctica/Vostok,posix/Arctic/Longyearbyen,posix/Asia/Aden,posix/Asia/Almaty,posix/Asia/Amman,posix/Asia/Anadyr,posix/Asia/Aqtau,posix/Asia/Aqtobe,posix/Asia/Ashgabat,posix/Asia/Ashkhabad,posix/Asia/Atyrau,posix/Asia/Baghdad,posix/Asia/Bahrain,posix/Asia/Baku,posix/Asia/Bangkok,posix/Asia/Barnaul,posix/Asia/Beirut,posix/Asia/Bishkek,posix/Asia/Brunei,posix/Asia/Calcutta,posix/Asia/Chita,posix/Asia/Choibalsan,posix/Asia/Chongqing,posix/Asia/Chungking,posix/Asia/Colombo,posix/Asia/Dacca,posix/Asia/Damascus,posix/Asia/Dhaka,posix/Asia/Dili,posix/Asia/Dubai,posix/Asia/Dushanbe,posix/Asia/Famagusta,posix/Asia/Gaza,posix/Asia/Harbin,posix/Asia/Hebron,posix/Asia/Ho_Chi_Minh,posix/Asia/Hong_Kong,posix/Asia/Hovd,posix/Asia/Irkutsk,posix/Asia/Istanbul,posix/Asia/Jakarta,posix/Asia/Jayapura,posix/Asia/Jerusalem,posix/Asia/Kabul,posix/Asia/Kamchatka,posix/Asia/Karachi,posix/Asia/Kashgar,posix/Asia/Kathmandu,posix/Asia/Katmandu,posix/Asia/Khandyga,posix/Asia/Kolkata,posix/Asia/Krasnoyarsk,posix/Asia/Kuala_Lumpur,posix/Asia/Kuching,posix/Asia/Kuwait,posix/Asia/Macao,posix/Asia/Macau,posix/Asia/Magadan,posix/Asia/Makassar,posix/Asia/Manila,posix/Asia/Muscat,posix/Asia/Nicosia,posix/Asia/Novokuznetsk,posix/Asia/Novosibirsk,posix/Asia/Omsk,posix/Asia/Oral,posix/Asia/Phnom_Penh,posix/Asia/Pontianak,posix/Asia/Pyongyang,posix/Asia/Qatar,posix/Asia/Qostanay,posix/Asia/Qyzylorda,posix/Asia/Rangoon,posix/Asia/Riyadh,posix/Asia/Saigon,posix/Asia/Sakhalin,posix/Asia/Samarkand,posix/Asia/Seoul,posix/Asia/Shanghai,posix/Asia/Singapore,posix/Asia/Srednekolymsk,posix/Asia/Taipei,posix/Asia/Tashkent,posix/Asia/Tbilisi,posix/Asia/Tehran,posix/Asia/Tel_Aviv,posix/Asia/Thimbu,posix/Asia/Thimphu,posix/Asia/Tokyo,posix/Asia/Tomsk,posix/Asia/Ujung_Pandang,posix/Asia/Ulaanbaatar,posix/Asia/Ulan_Bator,posix/Asia/Urumqi,posix/Asia/Ust-Nera,posix/Asia/Vientiane,posix/Asia/Vladivostok,posix/Asia/Yakutsk,posix/Asia/Yangon,posix/Asia/Yekaterinburg,posix/Asia/Yerevan,posix/Atlantic/Azores,posix/Atlantic/Bermuda,posix/Atlantic/Canary,posix/Atlantic/Cape_Verde,posix/Atlantic/Faeroe,posix/Atlantic/Faroe,posix/Atlantic/Jan_Mayen,posix/Atlantic/Madeira,posix/Atlantic/Reykjavik,posix/Atlantic/South_Georgia,posix/Atlantic/St_Helena,posix/Atlantic/Stanley,posix/Australia/ACT,posix/Australia/Adelaide,posix/Australia/Brisbane,posix/Australia/Broken_Hill,posix/Australia/Canberra,posix/Australia/Currie,posix/Australia/Darwin,posix/Australia/Eucla,posix/Australia/Hobart,posix/Australia/LHI,posix/Australia/Lindeman,posix/Australia/Lord_Howe,posix/Australia/Melbourne,posix/Australia/NSW,posix/Australia/North,posix/Australia/Perth,posix/Australia/Queensland,posix/Australia/South,posix/Australia/Sydney,posix/Australia/Tasmania,posix/Australia/Victoria,posix/Australia/West,posix/Australia/Yancowinna,posix/Brazil/Acre,posix/Brazil/DeNoronha,posix/Brazil/East,posix/Brazil/West,posix/CET,posix/CST6CDT,posix/Canada/Atlantic,posix/Canada/Central,posix/Canada/Eastern,posix/Canada/Mountain,posix/Canada/Newfoundland,posix/Canada/Pacific,posix/Canada/Saskatchewan,posix/Canada/Yukon,posix/Chile/Continental,posix/Chile/EasterIsland,posix/Cuba,posix/EET,posix/EST,posix/EST5EDT,posix/Egypt,posix/Eire,posix/Etc/GMT,posix/Etc/GMT+0,posix/Etc/GMT+1,posix/Etc/GMT+10,posix/Etc/GMT+11,posix/Etc/GMT+12,posix/Etc/GMT+2,posix/Etc/GMT+3,posix/Etc/GMT+4,posix/Etc/GMT+5,posix/Etc/GMT+6,posix/Etc/GMT+7,posix/Etc/GMT+8,posix/Etc/GMT+9,posix/Etc/GMT-0,posix/Etc/GMT-1,posix/Etc/GMT-10,posix/Etc/GMT-11,posix/Etc/GMT-12,posix/Etc/GMT-13,posix/Etc/GMT-14,posix/Etc/GMT-2,posix/Etc/GMT-3,posix/Etc/GMT-4,posix/Etc/GMT-5,posix/Etc/GMT-6,posix/Etc/GMT-7,posix/Etc/GMT-8,posix/Etc/GMT-9,posix/Etc/GMT0,posix/Etc/Greenwich,posix/Etc/UCT,posix/Etc/UTC,posix/Etc/Universal,posix/Etc/Zulu,posix/Europe/Amsterdam,posix/Europe/Andorra,posix/Europe/Astrakhan,posix/Europe/Athens,posix/Europe/Belfast,posix/Europe/Belgrade,posix/Europe/Berlin,posix/Europe/Bratislava,posix/Europe/Brussels,posix/Europe/Bucharest,posix/Europe/Budapest,posix/Europe/Busingen,posix/Europe/Chisinau,posix/Europe/Copenhagen,posix/Europe/Dublin,posix/Europe/Gibraltar,posix/Europe/Guernsey,posix/Europe/Helsinki,posix/Europe/Isle_of_Man,posix/Europe/Istanbul,posix/Europe/Jersey,posix/Europe/Kaliningrad,posix/Europe/Kiev,posix/Europe/Kirov,posix/Europe/Kyiv,posix/Europe/Lisbon,posix/Europe/Ljubljana,posix/Europe/London,posix/Europe/Luxembourg,posix/Europe/Madrid,posix/Europe/Malta,posix/Europe/Mariehamn,posix/Europe/Minsk,posix/Europe/Monaco,posix/Europe/Moscow,posix/Europe/Nicosia,posix/Europe/Oslo,posix/Europe/Paris,posix/Europe/Podgorica,posix/Europe/Prague,posix/Europe/Riga,posix/Europe/Rome,posix/Europe/Samara,posix/Europe/San_Marino,posix/Europe/Sarajevo,posix/Europe/Saratov,posix/Europe/Simferopol,posix/Europe/Skopje,posix/Europe/Sofia,posix/Europe/Stockholm,posix/Europe/Tallinn,posix/Europe/Tirane,posix/Europe/Tiraspol,posix/Europe/Ulyanovsk,posix/Europe/Uzhgorod,posix/Europe/Vaduz,posix/Europe/Vatican,posix/Europe/Vienna,posix/Europe/Vilnius,posix/Europe/Volgograd,posix/Europe/Warsaw,posix/Europe/Zagreb,posix/Europe/Zaporozhye,posix/Europe/Zurich,posix/Factory,posix/GB,posix/GB-Eire,posix/GMT,posix/GMT+0,posix/GMT-0,posix/GMT0,posix/Greenwich,posix/HST,posix/Hongkong,posix/Iceland,posix/Indian/Antananarivo,posix/Indian/Chagos,posix/Indian/Christmas,posix/Indian/Cocos,posix/Indian/Comoro,posix/Indian/Kerguelen,posix/Indian/Mahe,posix/Indian/Maldives,posix/Indian/Mauritius,posix/Indian/Mayotte,posix/Indian/Reunion,posix/Iran,posix/Israel,posix/Jamaica,posix/Japan,posix/Kwajalein,posix/Libya,posix/MET,posix/MST,posix/MST7MDT,posix/Mexico/BajaNorte,posix/Mexico/BajaSur,posix/Mexico/General,posix/NZ,posix/NZ-CHAT,posix/Navajo,posix/PRC,posix/PST8PDT,posix/Pacific/Apia,posix/Pacific/Auckland,posix/Pacific/Bougainville,posix/Pacific/Chatham,posix/Pacific/Chuuk,posix/Pacific/Easter,posix/Pacific/Efate,posix/Pacific/Enderbury,posix/Pacific/Fakaofo,posix/Pacific/Fiji,posix/Pacific/Funafuti,posix/Pacific/Galapagos,posix/Pacific/Gambier,posix/Pacific/Guadalcanal,posix/Pacific/Guam,posix/Pacific/Honolulu,posix/Pacific/Johnston,posix/Pacific/Kanton,posix/Pacific/Kiritimati,posix/Pacific/Kosrae,posix/Pacific/Kwajalein,posix/Pacific/Majuro,posix/Pacific/Marquesas,posix/Pacific/Midway,posix/Pacific/Nauru,posix/Pacific/Niue,posix/Pacific/Norfolk,posix/Pacific/Noumea,posix/Pacific/Pago_Pago,posix/Pacific/Palau,posix/Pacific/Pitcairn,posix/Pacific/Pohnpei,posix/Pacific/Ponape,posix/Pacific/Port_Moresby,posix/Pacific/Rarotonga,posix/Pacific/Saipan,posix/Pacific/Samoa,posix/Pacific/Tahiti,posix/Pacific/Tarawa,posix/Pacific/Tongatapu,posix/Pacific/Truk,posix/Pacific/Wake,posix/Pacific/Wallis,posix/Pacific/Yap,posix/Poland,posix/Portugal,posix/ROC,posix/ROK,posix/Singapore,posix/Turkey,posix/UCT,posix/US/Alaska,posix/US/Aleutian,posix/US/Arizona,posix/US/Central,posix/US/East-Indiana,posix/US/Eastern,posix/US/Hawaii,posix/US/Indiana-Starke,posix/US/Michigan,posix/US/Mountain,posix/US/Pacific,posix/US/Samoa,posix/UTC,posix/Universal,posix/W-SU,posix/WET,posix/Zulu,posixrules}'::text[]) then
        return true;
      end if;
      return exists (select 1 from pg_catalog.pg_timezone_names z where z.name = tz);
    end
    $$;

COMMENT ON FUNCTION private.is_valid_timezone(tz text) IS 'True when tz is a time zone name known to the server''s IANA tz database (pg_timezone_names). Used by check constraints.';

REVOKE ALL ON FUNCTION private.is_valid_timezone(tz text) FROM PUBLIC;
GRANT ALL ON FUNCTION private.is_valid_timezone(tz text) TO authenticated;
GRANT ALL ON FUNCTION private.is_valid_timezone(tz text) TO service_role;

CREATE FUNCTION private.set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  new.updated_at := now();
  return new;
end
$$;

COMMENT ON FUNCTION private.set_updated_at() IS 'BEFORE UPDATE trigger: keeps updated_at equal to the time of the last change.';

REVOKE ALL ON FUNCTION private.set_updated_at() FROM PUBLIC;

-- ==== supabase/schemas/025_scheduling_local_time.sql

-- Local wall time <-> instant conversions that never depend on the session's TimeZone. Only
-- `timestamptz at time zone <zone>` and hour-based interval arithmetic are used (adding '1 day' to a timestamptz
-- would follow the session's zone).

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION scheduling.local_to_utc(p_local timestamp without time zone, p_tz text) RETURNS timestamp with time zone
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO ''
    AS $$
declare
  v_guess timestamptz := p_local at time zone 'UTC'; -- the wall time read as if it were UTC
  v_off interval;
  v_at timestamptz;
  v_lo bigint;
  v_hi bigint;
  v_mid bigint;
  v_hi_off interval;
  v_off_before interval := ((v_guess - interval '26 hours') at time zone p_tz)
                            - ((v_guess - interval '26 hours') at time zone 'UTC');
begin
  -- Far from any transition (one offset in force over the 52 hours around it, the common case) the instant is
  -- the wall time minus that offset: computed inline, without the query below (this runs for every calendar row
  -- an index lookup reads and every hour slot choice scores).
  if v_off_before = ((v_guess + interval '26 hours') at time zone p_tz) - ((v_guess + interval '26 hours') at time zone 'UTC')
     and v_off_before = (v_guess at time zone p_tz) - (v_guess at time zone 'UTC') then
    v_at := v_guess - v_off_before;
    if (v_at at time zone p_tz) = p_local then
      return v_at;
    end if;
  end if;
  -- Offsets in force around that wall time; a larger offset gives an earlier instant.
  for v_off in
    select distinct o
    from unnest(array[
      scheduling.utc_offset(v_guess - interval '26 hours', p_tz),
      scheduling.utc_offset(v_guess, p_tz),
      scheduling.utc_offset(v_guess + interval '26 hours', p_tz)]) as o
    order by o desc
  loop
    v_at := v_guess - v_off;
    if (v_at at time zone p_tz) = p_local then
      return v_at;
    end if;
  end loop;

  -- In a gap: find the transition (the first instant with the later offset) between the two readings.
  v_lo := floor(extract(epoch from v_guess - greatest(
            scheduling.utc_offset(v_guess - interval '26 hours', p_tz),
            scheduling.utc_offset(v_guess + interval '26 hours', p_tz))));
  v_hi := ceil(extract(epoch from v_guess - least(
            scheduling.utc_offset(v_guess - interval '26 hours', p_tz),
            scheduling.utc_offset(v_guess + interval '26 hours', p_tz))));
  v_hi_off := scheduling.utc_offset(to_timestamp(v_hi), p_tz);
  while v_hi - v_lo > 1 loop
    v_mid := (v_lo + v_hi) / 2;
    if scheduling.utc_offset(to_timestamp(v_mid), p_tz) = v_hi_off then
      v_hi := v_mid;
    else
      v_lo := v_mid;
    end if;
  end loop;
  return to_timestamp(v_hi);
end
$$;

COMMENT ON FUNCTION scheduling.local_to_utc(p_local timestamp without time zone, p_tz text) IS 'The instant of local wall time p_local in zone p_tz. Nonexistent (spring-forward gap): the first instant after the gap. Ambiguous (fall-back): the earlier instant. Independent of the session TimeZone.';

REVOKE ALL ON FUNCTION scheduling.local_to_utc(p_local timestamp without time zone, p_tz text) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.local_to_utc(p_local timestamp without time zone, p_tz text) TO authenticated;
GRANT ALL ON FUNCTION scheduling.local_to_utc(p_local timestamp without time zone, p_tz text) TO service_role;

CREATE FUNCTION scheduling.to_local_iso(p_at timestamp with time zone, p_tz text) RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    SET search_path TO ''
    AS $$
  select to_char(l, 'YYYY-MM-DD"T"HH24:MI:SS')
      || case when extract(microseconds from l)::bigint % 1000000 <> 0 then '.' || to_char(l, 'US') else '' end
      || case when o < interval '0' then '-' else '+' end
      || to_char(case when o < interval '0' then -o else o end, 'HH24:MI')
  from (select p_at at time zone p_tz as l, scheduling.utc_offset(p_at, p_tz) as o) x
$$;

COMMENT ON FUNCTION scheduling.to_local_iso(p_at timestamp with time zone, p_tz text) IS 'ISO 8601 local time with its offset in zone p_tz, e.g. 2026-03-08T03:00:00-04:00.';

REVOKE ALL ON FUNCTION scheduling.to_local_iso(p_at timestamp with time zone, p_tz text) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.to_local_iso(p_at timestamp with time zone, p_tz text) TO authenticated;
GRANT ALL ON FUNCTION scheduling.to_local_iso(p_at timestamp with time zone, p_tz text) TO service_role;

CREATE FUNCTION scheduling.to_utc_iso(p_at timestamp with time zone) RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    SET search_path TO ''
    AS $$
  select to_char(p_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
      || case when extract(microseconds from p_at at time zone 'UTC')::bigint % 1000000 <> 0
              then '.' || to_char(p_at at time zone 'UTC', 'US') else '' end
      || 'Z'
$$;

COMMENT ON FUNCTION scheduling.to_utc_iso(p_at timestamp with time zone) IS 'ISO 8601 in UTC, e.g. 2026-03-08T07:00:00Z.';

REVOKE ALL ON FUNCTION scheduling.to_utc_iso(p_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.to_utc_iso(p_at timestamp with time zone) TO authenticated;
GRANT ALL ON FUNCTION scheduling.to_utc_iso(p_at timestamp with time zone) TO service_role;

CREATE FUNCTION scheduling.utc_offset(p_at timestamp with time zone, p_tz text) RETURNS interval
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO ''
    AS $$
  select (p_at at time zone p_tz) - (p_at at time zone 'UTC')
$$;

COMMENT ON FUNCTION scheduling.utc_offset(p_at timestamp with time zone, p_tz text) IS 'UTC offset of zone p_tz at instant p_at (e.g. -04:00:00).';

REVOKE ALL ON FUNCTION scheduling.utc_offset(p_at timestamp with time zone, p_tz text) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.utc_offset(p_at timestamp with time zone, p_tz text) TO authenticated;
GRANT ALL ON FUNCTION scheduling.utc_offset(p_at timestamp with time zone, p_tz text) TO service_role;

-- ==== supabase/schemas/030_tenancy.sql

-- Tenancy: clients (tenants) and their members, and the membership helpers the row-level security policies use.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TABLE public.client_members (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    user_id uuid NOT NULL,
    role text DEFAULT 'viewer'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT client_members_role_check CHECK ((role = ANY (ARRAY['owner'::text, 'editor'::text, 'viewer'::text])))
);

COMMENT ON TABLE public.client_members IS 'Which users belong to which client, and with what role.';

COMMENT ON COLUMN public.client_members.role IS 'owner: everything, including managing members; editor: read and write the client''s rows; viewer: read only.';

ALTER TABLE ONLY public.client_members
    ADD CONSTRAINT client_members_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.client_members
    ADD CONSTRAINT client_members_client_user_key UNIQUE (client_id, user_id);

CREATE INDEX idx_client_members_user ON public.client_members USING btree (user_id);

ALTER TABLE public.client_members ENABLE ROW LEVEL SECURITY;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.client_members TO authenticated;
GRANT ALL ON TABLE public.client_members TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.client_members FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

CREATE TABLE public.clients (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    name text NOT NULL,
    default_timezone text DEFAULT 'America/New_York'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    optimize_max_days_ahead integer DEFAULT 60 NOT NULL,
    CONSTRAINT clients_default_timezone_valid CHECK (private.is_valid_timezone(default_timezone)),
    CONSTRAINT clients_name_check CHECK ((length(btrim(name)) > 0)),
    CONSTRAINT clients_optimize_max_days_ahead_check CHECK (((optimize_max_days_ahead >= 1) AND (optimize_max_days_ahead <= 730)))
);

COMMENT ON TABLE public.clients IS 'Tenants. Every other row belongs to exactly one client; members of one client never see another client''s rows.';

COMMENT ON COLUMN public.clients.default_timezone IS 'IANA time zone used when neither the distribution nor the platform names one.';

COMMENT ON COLUMN public.clients.optimize_max_days_ahead IS 'How far ahead `optimize` may place a post (days). When every allowed slot within it is taken, scheduling answers 409 naming the limit that is full instead of a date months away.';

ALTER TABLE ONLY public.clients
    ADD CONSTRAINT clients_pkey PRIMARY KEY (id);

ALTER TABLE public.clients ENABLE ROW LEVEL SECURITY;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.clients TO authenticated;
GRANT ALL ON TABLE public.clients TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.clients FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

ALTER TABLE ONLY public.client_members
    ADD CONSTRAINT client_members_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.client_members
    ADD CONSTRAINT client_members_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE;

CREATE FUNCTION private.has_client_role(p_client_id uuid, p_roles text[]) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select exists (
    select 1 from public.client_members m
    where m.client_id = p_client_id and m.user_id = (select auth.uid()) and m.role = any (p_roles)
  )
$$;

COMMENT ON FUNCTION private.has_client_role(p_client_id uuid, p_roles text[]) IS 'True when the calling user has one of p_roles in the client.';

REVOKE ALL ON FUNCTION private.has_client_role(p_client_id uuid, p_roles text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION private.has_client_role(p_client_id uuid, p_roles text[]) TO authenticated;
GRANT ALL ON FUNCTION private.has_client_role(p_client_id uuid, p_roles text[]) TO service_role;

CREATE FUNCTION private.is_client_member(p_client_id uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select exists (
    select 1 from public.client_members m
    where m.client_id = p_client_id and m.user_id = (select auth.uid())
  )
$$;

COMMENT ON FUNCTION private.is_client_member(p_client_id uuid) IS 'True when the calling user is a member of the client, in any role.';

REVOKE ALL ON FUNCTION private.is_client_member(p_client_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION private.is_client_member(p_client_id uuid) TO authenticated;
GRANT ALL ON FUNCTION private.is_client_member(p_client_id uuid) TO service_role;

CREATE FUNCTION private.member_client_ids(p_roles text[] DEFAULT NULL::text[]) RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select m.client_id
  from public.client_members m
  where m.user_id = (select auth.uid())
    and (p_roles is null or m.role = any (p_roles))
$$;

CREATE POLICY client_members_delete ON public.client_members FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text]) AS member_client_ids))));

CREATE POLICY client_members_insert ON public.client_members FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text]) AS member_client_ids))));

CREATE POLICY client_members_select ON public.client_members FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY client_members_update ON public.client_members FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text]) AS member_client_ids))));

CREATE POLICY clients_select ON public.clients FOR SELECT TO authenticated USING ((id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY clients_update ON public.clients FOR UPDATE TO authenticated USING ((id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text]) AS member_client_ids)))) WITH CHECK ((id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text]) AS member_client_ids))));

COMMENT ON FUNCTION private.member_client_ids(p_roles text[]) IS 'Clients the calling user belongs to (optionally only with one of p_roles). Policies use it as `client_id = any (array(select private.member_client_ids()))`, evaluated once per statement and index-friendly.';

REVOKE ALL ON FUNCTION private.member_client_ids(p_roles text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION private.member_client_ids(p_roles text[]) TO authenticated;
GRANT ALL ON FUNCTION private.member_client_ids(p_roles text[]) TO service_role;

-- ==== supabase/schemas/040_platforms.sql

-- Platforms: a client's accounts on the publishing platforms, with their publish settings and health.

CREATE TABLE public.platforms (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    name text NOT NULL,
    kind text NOT NULL,
    timezone text DEFAULT 'America/New_York'::text NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    max_content_length integer,
    max_title_length integer,
    publish_config jsonb DEFAULT '{}'::jsonb NOT NULL,
    webhook_url text,
    credentials_secret_id uuid,
    posts_per_hour integer,
    posts_per_day integer,
    min_interval_minutes integer DEFAULT 60 NOT NULL,
    supports_scheduling boolean DEFAULT true NOT NULL,
    supports_editing boolean DEFAULT true NOT NULL,
    supports_deletion boolean DEFAULT true NOT NULL,
    supports_analytics boolean DEFAULT true NOT NULL,
    account_id text,
    account_name text,
    followers_count integer,
    last_published_at timestamp with time zone,
    last_metrics_sync_at timestamp with time zone,
    api_errors_24h integer DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    paused_until timestamp with time zone,
    pause_reason text,
    needs_reconnection boolean DEFAULT false NOT NULL,
    reconnection_reason text,
    metrics_paused_until timestamp with time zone,
    metrics_last_error text,
    metrics_last_error_at timestamp with time zone,
    CONSTRAINT platforms_api_errors_24h_check CHECK ((api_errors_24h >= 0)),
    CONSTRAINT platforms_followers_count_check CHECK ((followers_count >= 0)),
    CONSTRAINT platforms_kind_check CHECK ((kind = ANY (ARRAY['wordpress'::text, 'x'::text, 'linkedin'::text, 'youtube'::text, 'email'::text, 'instagram'::text, 'tiktok'::text, 'podcast'::text]))),
    CONSTRAINT platforms_max_content_length_check CHECK ((max_content_length > 0)),
    CONSTRAINT platforms_max_title_length_check CHECK ((max_title_length > 0)),
    CONSTRAINT platforms_min_interval_minutes_check CHECK ((min_interval_minutes >= 0)),
    CONSTRAINT platforms_name_check CHECK ((length(btrim(name)) > 0)),
    CONSTRAINT platforms_posts_per_day_check CHECK ((posts_per_day > 0)),
    CONSTRAINT platforms_posts_per_hour_check CHECK ((posts_per_hour > 0)),
    CONSTRAINT platforms_publish_config_base_url_check CHECK (((NOT (publish_config ? 'base_url'::text)) OR ((publish_config ->> 'base_url'::text) ~ '^https?://'::text))),
    CONSTRAINT platforms_publish_config_check CHECK ((jsonb_typeof(publish_config) = 'object'::text)),
    CONSTRAINT platforms_timezone_valid CHECK (private.is_valid_timezone(timezone)),
    CONSTRAINT platforms_webhook_url_check CHECK ((webhook_url ~ '^https?://'::text))
);

COMMENT ON TABLE public.platforms IS 'Publishing destinations of a client: what kind of platform, where its API is, its credentials (a Vault reference), its rate limits and health.';

COMMENT ON COLUMN public.platforms.name IS 'Display name, unique within the client (the reports show it as "platform").';

COMMENT ON COLUMN public.platforms.kind IS 'Which adapter publishes to it: wordpress, x, linkedin, youtube, email (Mailchimp), instagram, tiktok, podcast.';

COMMENT ON COLUMN public.platforms.timezone IS 'IANA time zone for this platform''s posting schedule.';

COMMENT ON COLUMN public.platforms.max_content_length IS 'Body limit in the platform''s own units (X counts weighted characters); null = no limit.';

COMMENT ON COLUMN public.platforms.publish_config IS 'Adapter settings: base_url (API root; the local stack points it at an emulator), per-kind options (e.g. list_id for email) and overrides of the adapter''s default limits. The keys that decide where credentials are sent (base_url, token_url, hosting.base_url, analytics.url/auth) are set by owners only.';

COMMENT ON COLUMN public.platforms.webhook_url IS 'Where this platform sends callbacks to us (platform webhooks), if configured.';

COMMENT ON COLUMN public.platforms.credentials_secret_id IS 'Id of the Vault secret (vault.secrets.id) holding the credentials as JSON, bound to this platform (private.platform_secrets). Only the service role can read Vault; owners set credentials with public.reconnect_platform; no signed-in user writes this column.';

COMMENT ON COLUMN public.platforms.posts_per_hour IS 'At most this many posts per rolling hour; null = no hourly limit.';

COMMENT ON COLUMN public.platforms.posts_per_day IS 'At most this many posts per rolling 24 hours; null = no daily limit.';

COMMENT ON COLUMN public.platforms.min_interval_minutes IS 'Minimum minutes between two posts on this platform.';

COMMENT ON COLUMN public.platforms.last_metrics_sync_at IS 'Time of the latest successful metrics read of any of its posts.';

COMMENT ON COLUMN public.platforms.api_errors_24h IS 'API errors in the last 24 hours (a rolling count kept by the publisher).';

COMMENT ON COLUMN public.platforms.paused_until IS 'Set from a 429''s reset time: nothing is sent to this platform before it.';

COMMENT ON COLUMN public.platforms.needs_reconnection IS 'The platform refused our credentials (401 or revoked token). Its rows wait, without using attempts, until a person reconnects it and clears this flag.';

COMMENT ON COLUMN public.platforms.metrics_paused_until IS 'Set when a metrics read was rate limited (429 / quota): no reads for this platform before it.';

COMMENT ON COLUMN public.platforms.metrics_last_error IS 'The last metrics read error of any of its posts.';

ALTER TABLE ONLY public.platforms
    ADD CONSTRAINT platforms_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.platforms
    ADD CONSTRAINT platforms_client_name_key UNIQUE (client_id, name);

ALTER TABLE ONLY public.platforms
    ADD CONSTRAINT platforms_id_client_key UNIQUE (id, client_id);

ALTER TABLE public.platforms ENABLE ROW LEVEL SECURITY;

CREATE POLICY platforms_delete ON public.platforms FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY platforms_insert ON public.platforms FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY platforms_select ON public.platforms FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY platforms_update ON public.platforms FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.platforms TO authenticated;
GRANT ALL ON TABLE public.platforms TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.platforms FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

ALTER TABLE ONLY public.platforms
    ADD CONSTRAINT platforms_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

-- ==== supabase/schemas/050_content.sql

-- Content: generated content and the publisher verticals it belongs to.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TABLE public.generated_content (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    vertical_id uuid,
    title text,
    content text NOT NULL,
    content_type text DEFAULT 'generated'::text NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    business_unit text,
    status text DEFAULT 'draft'::text NOT NULL,
    target_platform_ids uuid[] DEFAULT '{}'::uuid[] NOT NULL,
    priority text DEFAULT 'normal'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT generated_content_content_type_check CHECK ((content_type = ANY (ARRAY['generated'::text, 'manual'::text, 'repurposed'::text, 'curated'::text]))),
    CONSTRAINT generated_content_metadata_check CHECK ((jsonb_typeof(metadata) = 'object'::text)),
    CONSTRAINT generated_content_priority_check CHECK ((priority = ANY (ARRAY['normal'::text, 'high'::text]))),
    CONSTRAINT generated_content_status_check CHECK ((status = ANY (ARRAY['draft'::text, 'ready_for_distribution'::text, 'distributing'::text, 'distributed'::text, 'failed'::text])))
);

COMMENT ON TABLE public.generated_content IS 'Content to distribute (from the generation engine or entered by hand). When status becomes ready_for_distribution it is scheduled onto target_platform_ids.';

COMMENT ON COLUMN public.generated_content.content IS 'The body, in Markdown; adapted per platform when distributed.';

COMMENT ON COLUMN public.generated_content.metadata IS 'keywords (text[]), topics (text[]), media_urls (text[]), canonical_url (text) and free-form extras.';

COMMENT ON COLUMN public.generated_content.status IS 'draft -> ready_for_distribution (triggers scheduling) -> distributing -> distributed | failed.';

COMMENT ON COLUMN public.generated_content.target_platform_ids IS 'Platforms (of the same client) to distribute to when the row becomes ready_for_distribution.';

COMMENT ON COLUMN public.generated_content.priority IS 'high content may take the platform''s prime calendar slots.';

ALTER TABLE ONLY public.generated_content
    ADD CONSTRAINT generated_content_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.generated_content
    ADD CONSTRAINT generated_content_id_client_key UNIQUE (id, client_id);

CREATE INDEX idx_generated_content_client ON public.generated_content USING btree (client_id);

CREATE INDEX idx_generated_content_vertical ON public.generated_content USING btree (vertical_id);

CREATE INDEX idx_generated_content_status ON public.generated_content USING btree (status);

ALTER TABLE public.generated_content ENABLE ROW LEVEL SECURITY;

CREATE POLICY generated_content_delete ON public.generated_content FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY generated_content_insert ON public.generated_content FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY generated_content_select ON public.generated_content FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY generated_content_update ON public.generated_content FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.generated_content TO authenticated;
GRANT ALL ON TABLE public.generated_content TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.generated_content FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

CREATE TABLE public.publisher_verticals (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    name text NOT NULL,
    slug text NOT NULL,
    description text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT publisher_verticals_name_check CHECK ((length(btrim(name)) > 0)),
    CONSTRAINT publisher_verticals_slug_check CHECK ((slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'::text))
);

COMMENT ON TABLE public.publisher_verticals IS 'Editorial verticals (topics, sites or brands) a client publishes under.';

ALTER TABLE ONLY public.publisher_verticals
    ADD CONSTRAINT publisher_verticals_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.publisher_verticals
    ADD CONSTRAINT publisher_verticals_client_slug_key UNIQUE (client_id, slug);

ALTER TABLE ONLY public.publisher_verticals
    ADD CONSTRAINT publisher_verticals_id_client_key UNIQUE (id, client_id);

ALTER TABLE public.publisher_verticals ENABLE ROW LEVEL SECURITY;

CREATE POLICY publisher_verticals_delete ON public.publisher_verticals FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY publisher_verticals_insert ON public.publisher_verticals FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY publisher_verticals_select ON public.publisher_verticals FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY publisher_verticals_update ON public.publisher_verticals FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.publisher_verticals TO authenticated;
GRANT ALL ON TABLE public.publisher_verticals TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.publisher_verticals FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

ALTER TABLE ONLY public.generated_content
    ADD CONSTRAINT generated_content_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.generated_content
    ADD CONSTRAINT generated_content_vertical_fkey FOREIGN KEY (vertical_id, client_id) REFERENCES public.publisher_verticals(id, client_id) ON DELETE SET NULL (vertical_id);

ALTER TABLE ONLY public.publisher_verticals
    ADD CONSTRAINT publisher_verticals_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

CREATE FUNCTION private.check_target_platforms() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  bad uuid[];
begin
  select array_agg(t.id) into bad
  from unnest(new.target_platform_ids) as t (id)
  where not exists (select 1 from public.platforms p where p.id = t.id and p.client_id = new.client_id);
  if bad is not null then
    raise exception 'target_platform_ids % are not platforms of client %', bad, new.client_id
      using errcode = 'foreign_key_violation';
  end if;
  return null;
end
$$;

CREATE CONSTRAINT TRIGGER check_target_platforms AFTER INSERT OR UPDATE OF target_platform_ids, client_id ON public.generated_content NOT DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW EXECUTE FUNCTION private.check_target_platforms();

REVOKE ALL ON FUNCTION private.check_target_platforms() FROM PUBLIC;

-- ==== supabase/schemas/060_cross_post_groups.sql

-- Cross-post groups: one piece of content distributed to several platforms on one timing strategy.

CREATE TABLE public.cross_post_groups (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    name text,
    source_content_id uuid,
    timing_strategy text DEFAULT 'simultaneous'::text NOT NULL,
    stagger_minutes integer,
    status text DEFAULT 'pending'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT cross_post_groups_stagger_check CHECK (((timing_strategy <> 'staggered'::text) OR (stagger_minutes IS NOT NULL))),
    CONSTRAINT cross_post_groups_stagger_minutes_check CHECK ((stagger_minutes > 0)),
    CONSTRAINT cross_post_groups_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'in_progress'::text, 'completed'::text, 'partial'::text, 'failed'::text]))),
    CONSTRAINT cross_post_groups_timing_strategy_check CHECK ((timing_strategy = ANY (ARRAY['simultaneous'::text, 'staggered'::text, 'optimized'::text])))
);

COMMENT ON TABLE public.cross_post_groups IS 'A set of distributions of one piece of content to several platforms, posted together.';

COMMENT ON COLUMN public.cross_post_groups.timing_strategy IS 'simultaneous: all at once; staggered: in order, stagger_minutes apart; optimized: each at its platform''s best slot.';

COMMENT ON COLUMN public.cross_post_groups.status IS 'Derived from the members: pending, in_progress, completed (all published), partial (some published, the rest failed or cancelled), failed (none published).';

ALTER TABLE ONLY public.cross_post_groups
    ADD CONSTRAINT cross_post_groups_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.cross_post_groups
    ADD CONSTRAINT cross_post_groups_id_client_key UNIQUE (id, client_id);

CREATE INDEX idx_cross_post_groups_status ON public.cross_post_groups USING btree (status);

CREATE INDEX idx_cross_post_groups_client ON public.cross_post_groups USING btree (client_id);

CREATE INDEX idx_cross_post_groups_source_content ON public.cross_post_groups USING btree (source_content_id);

ALTER TABLE public.cross_post_groups ENABLE ROW LEVEL SECURITY;

CREATE POLICY cross_post_groups_delete ON public.cross_post_groups FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY cross_post_groups_insert ON public.cross_post_groups FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY cross_post_groups_select ON public.cross_post_groups FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY cross_post_groups_update ON public.cross_post_groups FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.cross_post_groups TO authenticated;
GRANT ALL ON TABLE public.cross_post_groups TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.cross_post_groups FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

ALTER TABLE ONLY public.cross_post_groups
    ADD CONSTRAINT cross_post_groups_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.cross_post_groups
    ADD CONSTRAINT cross_post_groups_source_content_fkey FOREIGN KEY (source_content_id, client_id) REFERENCES public.generated_content(id, client_id) ON DELETE SET NULL (source_content_id);

-- ==== supabase/schemas/070_distributions.sql

-- Distributions: one piece of content on one platform at one time, and its lifecycle.

CREATE TABLE public.distributions (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    content_id uuid,
    content_type text NOT NULL,
    platform_id uuid NOT NULL,
    title text,
    body text NOT NULL,
    media_urls text[],
    link_url text,
    platform_specific jsonb DEFAULT '{}'::jsonb NOT NULL,
    scheduled_for timestamp with time zone,
    timezone text DEFAULT 'America/New_York'::text NOT NULL,
    status text DEFAULT 'draft'::text NOT NULL,
    published_at timestamp with time zone,
    external_id text,
    external_url text,
    error_message text,
    retry_count integer DEFAULT 0 NOT NULL,
    last_retry_at timestamp with time zone,
    impressions integer,
    reach integer,
    engagements integer,
    clicks integer,
    shares integer,
    comments integer,
    likes integer,
    saves integer,
    engagement_rate numeric,
    click_through_rate numeric,
    variant_group text,
    is_control boolean DEFAULT false NOT NULL,
    cross_post_group_id uuid,
    business_unit text,
    vertical_id uuid,
    client_id uuid NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    attempt_id uuid,
    attempt_started_at timestamp with time zone,
    lease_expires_at timestamp with time zone,
    next_attempt_at timestamp with time zone,
    native_state text,
    native_attempt_id uuid,
    metrics_next_sync_at timestamp with time zone,
    metrics_lease_until timestamp with time zone,
    metrics_synced_at timestamp with time zone,
    metrics_sync_failures integer DEFAULT 0 NOT NULL,
    metrics_last_error text,
    video_views integer,
    video_watch_time_seconds integer,
    platform_metrics jsonb DEFAULT '{}'::jsonb NOT NULL,
    engagement_base integer,
    engagement_count integer,
    conversions integer DEFAULT 0 NOT NULL,
    conversion_value numeric DEFAULT 0 NOT NULL,
    CONSTRAINT distributions_click_through_rate_check CHECK ((click_through_rate >= (0)::numeric)),
    CONSTRAINT distributions_clicks_check CHECK ((clicks >= 0)),
    CONSTRAINT distributions_comments_check CHECK ((comments >= 0)),
    CONSTRAINT distributions_content_type_check CHECK ((content_type = ANY (ARRAY['generated'::text, 'manual'::text, 'repurposed'::text, 'curated'::text]))),
    CONSTRAINT distributions_conversion_value_check CHECK ((conversion_value >= (0)::numeric)),
    CONSTRAINT distributions_conversions_check CHECK ((conversions >= 0)),
    CONSTRAINT distributions_engagement_base_check CHECK ((engagement_base >= 0)),
    CONSTRAINT distributions_engagement_count_check CHECK ((engagement_count >= 0)),
    CONSTRAINT distributions_engagement_rate_check CHECK ((engagement_rate >= (0)::numeric)),
    CONSTRAINT distributions_engagements_check CHECK ((engagements >= 0)),
    CONSTRAINT distributions_impressions_check CHECK ((impressions >= 0)),
    CONSTRAINT distributions_likes_check CHECK ((likes >= 0)),
    CONSTRAINT distributions_metrics_sync_failures_check CHECK ((metrics_sync_failures >= 0)),
    CONSTRAINT distributions_native_state_check CHECK ((native_state = ANY (ARRAY['handed_off'::text, 'declined'::text]))),
    CONSTRAINT distributions_platform_metrics_check CHECK ((jsonb_typeof(platform_metrics) = 'object'::text)),
    CONSTRAINT distributions_platform_specific_check CHECK ((jsonb_typeof(platform_specific) = 'object'::text)),
    CONSTRAINT distributions_published_has_time CHECK (((status <> 'published'::text) OR (published_at IS NOT NULL))),
    CONSTRAINT distributions_publishing_has_lease CHECK (((status <> 'publishing'::text) OR ((attempt_id IS NOT NULL) AND (lease_expires_at IS NOT NULL)))),
    CONSTRAINT distributions_reach_check CHECK ((reach >= 0)),
    CONSTRAINT distributions_retry_count_check CHECK ((retry_count >= 0)),
    CONSTRAINT distributions_saves_check CHECK ((saves >= 0)),
    CONSTRAINT distributions_scheduled_has_time CHECK (((status <> ALL (ARRAY['scheduled'::text, 'publishing'::text])) OR (scheduled_for IS NOT NULL))),
    CONSTRAINT distributions_shares_check CHECK ((shares >= 0)),
    CONSTRAINT distributions_status_check CHECK ((status = ANY (ARRAY['draft'::text, 'scheduled'::text, 'publishing'::text, 'published'::text, 'failed'::text, 'cancelled'::text, 'unconfirmed'::text]))),
    CONSTRAINT distributions_timezone_valid CHECK (private.is_valid_timezone(timezone)),
    CONSTRAINT distributions_video_views_check CHECK ((video_views >= 0)),
    CONSTRAINT distributions_video_watch_time_seconds_check CHECK ((video_watch_time_seconds >= 0))
);

COMMENT ON TABLE public.distributions IS 'One post of one piece of content on one platform: its adapted content, schedule, publishing state, and latest metrics. Also the durable publishing queue (status = scheduled and scheduled_for due).';

COMMENT ON COLUMN public.distributions.content_id IS 'The generated_content row it came from; null for content given inline.';

COMMENT ON COLUMN public.distributions.content_type IS 'Origin of the content: generated, manual, repurposed, curated.';

COMMENT ON COLUMN public.distributions.title IS 'Title adapted to the platform (subject line for email).';

COMMENT ON COLUMN public.distributions.body IS 'Body adapted to the platform (HTML for WordPress and email, plain text for social).';

COMMENT ON COLUMN public.distributions.platform_specific IS 'Adapter extras: hashtags, mentions, category ids, visibility...';

COMMENT ON COLUMN public.distributions.scheduled_for IS 'When to publish (an instant; shown in timezone).';

COMMENT ON COLUMN public.distributions.timezone IS 'IANA time zone in which the schedule is expressed ("Monday 9am" means 9am here).';

COMMENT ON COLUMN public.distributions.status IS 'draft -> scheduled -> publishing -> published | failed | unconfirmed; scheduled/failed -> cancelled; failed -> scheduled (retry). unconfirmed: the outcome of an attempt is unknown and needs a person.';

COMMENT ON COLUMN public.distributions.external_id IS 'The post''s id on the platform.';

COMMENT ON COLUMN public.distributions.external_url IS 'The post''s public URL on the platform.';

COMMENT ON COLUMN public.distributions.retry_count IS 'Failed attempts so far.';

COMMENT ON COLUMN public.distributions.engagement_rate IS 'Percent, computed by the database from the summary metrics (100 * engagement_count / engagement_base), per kind: x, linkedin, wordpress, podcast: engagements / impressions; instagram: engagements / reach (accounts reached; Instagram no longer reports impressions); youtube, tiktok: engagements / video_views; email: unique opens (platform_metrics.unique_opens) / delivered, where delivered = reach if given, else impressions (emails sent) - platform_metrics.hard_bounces - platform_metrics.soft_bounces. Outside email, engagements is the platform''s own count, or where it gives none, the sum of the likes, comments, shares and saves it did give. Null when the numerator or denominator was not reported, or the denominator is 0. Rows inserted with a rate keep it (imports).';

COMMENT ON COLUMN public.distributions.click_through_rate IS 'Percent, computed by the database: 100 * clicks / engagement_base (the same per-kind denominator as engagement_rate; for email unique clicks / delivered). Null when clicks or the denominator is not reported or 0.';

COMMENT ON COLUMN public.distributions.variant_group IS 'A/B test: distributions sharing this label are variants of one test.';

COMMENT ON COLUMN public.distributions.is_control IS 'A/B test: the control variant of its variant_group.';

COMMENT ON COLUMN public.distributions.business_unit IS 'Reporting label copied from the content.';

COMMENT ON COLUMN public.distributions.attempt_id IS 'The attempt that holds the row while status = publishing (distribution_attempts.id); a worker records an outcome only while it still holds it.';

COMMENT ON COLUMN public.distributions.lease_expires_at IS 'While publishing: when the claim lapses. An expired lease means the worker died; the next run reconciles.';

COMMENT ON COLUMN public.distributions.next_attempt_at IS 'When a row waiting after a transient error or a rate limit may be tried again (null: at scheduled_for). scheduled_for, and with it the calendar slot, never moves for a retry.';

COMMENT ON COLUMN public.distributions.native_state IS 'Native scheduling (platforms whose publish_config.native_scheduling is true): handed_off = the platform holds the post for scheduled_for (external_id is its id; confirmed at the due time); declined = the platform refused the hand-off, so the post is sent at scheduled_for as usual.';

COMMENT ON COLUMN public.distributions.native_attempt_id IS 'The attempt that handed the post to the platform.';

COMMENT ON COLUMN public.distributions.metrics_next_sync_at IS 'When the metrics of this published post are next read (by its age and metrics_sync_policy); null = not synced (not published, no external_id, too old, or given up). While a worker holds the row it is the lease end.';

COMMENT ON COLUMN public.distributions.metrics_lease_until IS 'Set while a metrics worker holds the row (claim_metrics_due); cleared by record_metrics. An expired lease makes the row due again.';

COMMENT ON COLUMN public.distributions.metrics_synced_at IS 'Time of the latest metrics snapshot applied to the summary columns.';

COMMENT ON COLUMN public.distributions.metrics_sync_failures IS 'Consecutive failed metric reads (reset by a successful one).';

COMMENT ON COLUMN public.distributions.metrics_last_error IS 'The last metric read error, cleared by a successful read.';

COMMENT ON COLUMN public.distributions.video_views IS 'Latest video views (YouTube, TikTok); null = not reported.';

COMMENT ON COLUMN public.distributions.video_watch_time_seconds IS 'Latest total watch time in seconds; null = not reported.';

COMMENT ON COLUMN public.distributions.platform_metrics IS 'Latest platform-specific metrics (merged over syncs), e.g. email unique_opens, hard_bounces, soft_bounces.';

COMMENT ON COLUMN public.distributions.engagement_base IS 'Denominator of engagement_rate and click_through_rate for this platform kind (see engagement_rate); the sample size of A/B and pattern-lift tests.';

COMMENT ON COLUMN public.distributions.engagement_count IS 'Numerator of engagement_rate for this platform kind (see engagement_rate).';

COMMENT ON COLUMN public.distributions.conversions IS 'Conversions attributed to this post (kept from public.conversions by a trigger).';

COMMENT ON COLUMN public.distributions.conversion_value IS 'Sum of their value (in their currency; see conversion_report).';

ALTER TABLE ONLY public.distributions
    ADD CONSTRAINT distributions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.distributions
    ADD CONSTRAINT distributions_id_client_key UNIQUE (id, client_id);

CREATE INDEX idx_distributions_platform ON public.distributions USING btree (platform_id);

CREATE INDEX idx_distributions_status ON public.distributions USING btree (status);

CREATE INDEX idx_distributions_scheduled ON public.distributions USING btree (scheduled_for) WHERE (status = 'scheduled'::text);

CREATE INDEX idx_distributions_published ON public.distributions USING btree (published_at DESC) WHERE (published_at IS NOT NULL);

CREATE INDEX idx_distributions_content ON public.distributions USING btree (content_id) WHERE (content_id IS NOT NULL);

CREATE INDEX idx_distributions_vertical ON public.distributions USING btree (vertical_id) WHERE (vertical_id IS NOT NULL);

CREATE INDEX idx_distributions_external ON public.distributions USING btree (platform_id, external_id) WHERE (external_id IS NOT NULL);

CREATE INDEX idx_distributions_client ON public.distributions USING btree (client_id);

CREATE INDEX idx_distributions_cross_post_group ON public.distributions USING btree (cross_post_group_id) WHERE (cross_post_group_id IS NOT NULL);

CREATE INDEX idx_distributions_platform_slot ON public.distributions USING btree (platform_id, scheduled_for) WHERE (status = ANY (ARRAY['scheduled'::text, 'publishing'::text, 'unconfirmed'::text]));

CREATE INDEX idx_distributions_due ON public.distributions USING btree (platform_id, COALESCE(next_attempt_at, scheduled_for)) WHERE (status = 'scheduled'::text);

CREATE INDEX idx_distributions_leases ON public.distributions USING btree (platform_id, lease_expires_at) WHERE (status = 'publishing'::text);

CREATE INDEX idx_distributions_platform_published ON public.distributions USING btree (platform_id, published_at) WHERE (status = 'published'::text);

CREATE INDEX idx_distributions_metrics_due ON public.distributions USING btree (platform_id, metrics_next_sync_at) WHERE (metrics_next_sync_at IS NOT NULL);

CREATE INDEX idx_distributions_metrics_due_any ON public.distributions USING btree (metrics_next_sync_at) WHERE (metrics_next_sync_at IS NOT NULL);

CREATE INDEX idx_distributions_published_report ON public.distributions USING btree (published_at) INCLUDE (platform_id, client_id, impressions, engagement_rate, click_through_rate, clicks, timezone) WHERE (status = 'published'::text);

CREATE INDEX idx_distributions_failed ON public.distributions USING btree (scheduled_for DESC) WHERE (status = 'failed'::text);

CREATE INDEX idx_distributions_queue ON public.distributions USING btree (platform_id, status) WHERE (status = ANY (ARRAY['draft'::text, 'scheduled'::text, 'publishing'::text, 'failed'::text, 'unconfirmed'::text]));

CREATE INDEX idx_distributions_variant_group ON public.distributions USING btree (client_id, variant_group) WHERE (variant_group IS NOT NULL);

ALTER TABLE public.distributions
    ADD CONSTRAINT distributions_times_representable CHECK ((((scheduled_for IS NULL) OR ((scheduled_for >= '1970-01-01 00:00:00+00'::timestamp with time zone) AND (scheduled_for <= '9999-12-31 23:59:59+00'::timestamp with time zone))) AND ((published_at IS NULL) OR ((published_at >= '1970-01-01 00:00:00+00'::timestamp with time zone) AND (published_at <= '9999-12-31 23:59:59+00'::timestamp with time zone))))) NOT VALID;

ALTER TABLE public.distributions ENABLE ROW LEVEL SECURITY;

COMMENT ON CONSTRAINT distributions_times_representable ON public.distributions IS 'scheduled_for and published_at between 1970 and 9999: no infinity, no dates a worker cannot hold.';

CREATE POLICY distributions_delete ON public.distributions FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY distributions_insert ON public.distributions FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY distributions_select ON public.distributions FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY distributions_update ON public.distributions FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.distributions TO authenticated;
GRANT ALL ON TABLE public.distributions TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.distributions FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

ALTER TABLE ONLY public.distributions
    ADD CONSTRAINT distributions_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.distributions
    ADD CONSTRAINT distributions_content_fkey FOREIGN KEY (content_id, client_id) REFERENCES public.generated_content(id, client_id) ON DELETE SET NULL (content_id);

ALTER TABLE ONLY public.distributions
    ADD CONSTRAINT distributions_cross_post_group_fkey FOREIGN KEY (cross_post_group_id, client_id) REFERENCES public.cross_post_groups(id, client_id) ON DELETE SET NULL (cross_post_group_id);

ALTER TABLE ONLY public.distributions
    ADD CONSTRAINT distributions_platform_fkey FOREIGN KEY (platform_id, client_id) REFERENCES public.platforms(id, client_id);

ALTER TABLE ONLY public.distributions
    ADD CONSTRAINT distributions_vertical_fkey FOREIGN KEY (vertical_id, client_id) REFERENCES public.publisher_verticals(id, client_id) ON DELETE SET NULL (vertical_id);

-- ==== supabase/schemas/080_distribution_metrics.sql

-- Distribution metrics: engagement snapshots read from the platforms.

CREATE TABLE public.distribution_metrics (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    distribution_id uuid NOT NULL,
    client_id uuid NOT NULL,
    recorded_at timestamp with time zone DEFAULT now() NOT NULL,
    hours_since_publish integer,
    impressions integer,
    reach integer,
    engagements integer,
    clicks integer,
    shares integer,
    comments integer,
    likes integer,
    saves integer,
    video_views integer,
    video_watch_time_seconds integer,
    followers_gained integer,
    followers_lost integer,
    platform_metrics jsonb DEFAULT '{}'::jsonb NOT NULL,
    CONSTRAINT distribution_metrics_clicks_check CHECK ((clicks >= 0)),
    CONSTRAINT distribution_metrics_comments_check CHECK ((comments >= 0)),
    CONSTRAINT distribution_metrics_engagements_check CHECK ((engagements >= 0)),
    CONSTRAINT distribution_metrics_followers_gained_check CHECK ((followers_gained >= 0)),
    CONSTRAINT distribution_metrics_followers_lost_check CHECK ((followers_lost >= 0)),
    CONSTRAINT distribution_metrics_hours_since_publish_check CHECK ((hours_since_publish >= 0)),
    CONSTRAINT distribution_metrics_impressions_check CHECK ((impressions >= 0)),
    CONSTRAINT distribution_metrics_likes_check CHECK ((likes >= 0)),
    CONSTRAINT distribution_metrics_platform_metrics_check CHECK ((jsonb_typeof(platform_metrics) = 'object'::text)),
    CONSTRAINT distribution_metrics_reach_check CHECK ((reach >= 0)),
    CONSTRAINT distribution_metrics_saves_check CHECK ((saves >= 0)),
    CONSTRAINT distribution_metrics_shares_check CHECK ((shares >= 0)),
    CONSTRAINT distribution_metrics_video_views_check CHECK ((video_views >= 0)),
    CONSTRAINT distribution_metrics_video_watch_time_seconds_check CHECK ((video_watch_time_seconds >= 0))
);

COMMENT ON TABLE public.distribution_metrics IS 'Snapshots of a distribution''s metrics over time (one per sync). A metric the platform did not report is null, not 0.';

COMMENT ON COLUMN public.distribution_metrics.hours_since_publish IS 'Whole hours between published_at and recorded_at.';

COMMENT ON COLUMN public.distribution_metrics.platform_metrics IS 'Platform-specific metrics with no column (e.g. email open_rate, unsubscribes).';

ALTER TABLE ONLY public.distribution_metrics
    ADD CONSTRAINT distribution_metrics_pkey PRIMARY KEY (id);

CREATE INDEX idx_distribution_metrics_distribution ON public.distribution_metrics USING btree (distribution_id);

CREATE INDEX idx_distribution_metrics_recorded ON public.distribution_metrics USING btree (recorded_at DESC);

CREATE INDEX idx_distribution_metrics_client ON public.distribution_metrics USING btree (client_id);

CREATE INDEX idx_distribution_metrics_distribution_recorded ON public.distribution_metrics USING btree (distribution_id, recorded_at DESC);

ALTER TABLE public.distribution_metrics ENABLE ROW LEVEL SECURITY;

CREATE POLICY distribution_metrics_delete ON public.distribution_metrics FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY distribution_metrics_insert ON public.distribution_metrics FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY distribution_metrics_select ON public.distribution_metrics FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY distribution_metrics_update ON public.distribution_metrics FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.distribution_metrics TO authenticated;
GRANT ALL ON TABLE public.distribution_metrics TO service_role;

ALTER TABLE ONLY public.distribution_metrics
    ADD CONSTRAINT distribution_metrics_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.distribution_metrics
    ADD CONSTRAINT distribution_metrics_distribution_fkey FOREIGN KEY (distribution_id, client_id) REFERENCES public.distributions(id, client_id) ON DELETE CASCADE;

-- ==== supabase/schemas/090_publishing_calendar.sql

-- The publishing calendar: the slots distributions take, and the ad hoc slots members add.

CREATE TABLE public.publishing_calendar (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    date date NOT NULL,
    time_slot time without time zone NOT NULL,
    timezone text DEFAULT 'America/New_York'::text NOT NULL,
    platform_id uuid NOT NULL,
    distribution_id uuid,
    slot_type text DEFAULT 'regular'::text NOT NULL,
    is_locked boolean DEFAULT false NOT NULL,
    recurring_pattern text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    is_ad_hoc boolean DEFAULT false NOT NULL,
    starts_at timestamp with time zone,
    CONSTRAINT publishing_calendar_recurring_pattern_check CHECK ((recurring_pattern = ANY (ARRAY['daily'::text, 'weekly'::text, 'monthly'::text]))),
    CONSTRAINT publishing_calendar_slot_type_check CHECK ((slot_type = ANY (ARRAY['regular'::text, 'prime'::text, 'test'::text]))),
    CONSTRAINT publishing_calendar_timezone_valid CHECK (private.is_valid_timezone(timezone))
);

COMMENT ON TABLE public.publishing_calendar IS 'Posting slots per platform (the platform''s posting schedule): a slot is free or holds one distribution.';

COMMENT ON COLUMN public.publishing_calendar.date IS 'Local date of the slot in the row''s timezone.';

COMMENT ON COLUMN public.publishing_calendar.time_slot IS 'Local wall-clock time of the slot in the row''s timezone.';

COMMENT ON COLUMN public.publishing_calendar.timezone IS 'IANA time zone in which date and time_slot are expressed.';

COMMENT ON COLUMN public.publishing_calendar.slot_type IS 'regular; prime (reserved for high-priority content); test (hosts A/B variants).';

COMMENT ON COLUMN public.publishing_calendar.is_locked IS 'Never filled automatically; only a person can assign it.';

COMMENT ON COLUMN public.publishing_calendar.recurring_pattern IS 'A recurring slot (daily, weekly, monthly) starting at date/time_slot; null = one-off.';

COMMENT ON COLUMN public.publishing_calendar.is_ad_hoc IS 'Created by the scheduler to hold one distribution; deleted when that distribution leaves it. False for recurring slots and slots made by a person, which are only freed (distribution_id set to null).';

COMMENT ON COLUMN public.publishing_calendar.starts_at IS 'The slot''s instant: date + time_slot read in timezone (scheduling.local_to_utc). Kept by a trigger; what is written to it is replaced.';

ALTER TABLE ONLY public.publishing_calendar
    ADD CONSTRAINT publishing_calendar_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.publishing_calendar
    ADD CONSTRAINT publishing_calendar_date_time_slot_platform_id_key UNIQUE (date, time_slot, platform_id);

CREATE INDEX idx_publishing_calendar_date ON public.publishing_calendar USING btree (date);

CREATE INDEX idx_publishing_calendar_platform ON public.publishing_calendar USING btree (platform_id);

CREATE INDEX idx_publishing_calendar_distribution ON public.publishing_calendar USING btree (distribution_id);

CREATE INDEX idx_publishing_calendar_client ON public.publishing_calendar USING btree (client_id);

CREATE INDEX idx_publishing_calendar_platform_date ON public.publishing_calendar USING btree (platform_id, date);

CREATE INDEX idx_publishing_calendar_recurring ON public.publishing_calendar USING btree (platform_id) WHERE (recurring_pattern IS NOT NULL);

CREATE INDEX idx_publishing_calendar_platform_instant ON public.publishing_calendar USING btree (platform_id, scheduling.local_to_utc((date + time_slot), timezone));

CREATE INDEX idx_publishing_calendar_platform_starts ON public.publishing_calendar USING btree (platform_id, starts_at);

CREATE INDEX idx_publishing_calendar_free_starts ON public.publishing_calendar USING btree (platform_id, starts_at) WHERE ((distribution_id IS NULL) AND (NOT is_locked));

ALTER TABLE public.publishing_calendar ENABLE ROW LEVEL SECURITY;

CREATE POLICY publishing_calendar_delete ON public.publishing_calendar FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY publishing_calendar_insert ON public.publishing_calendar FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY publishing_calendar_select ON public.publishing_calendar FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY publishing_calendar_update ON public.publishing_calendar FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.publishing_calendar TO authenticated;
GRANT ALL ON TABLE public.publishing_calendar TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.publishing_calendar FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

ALTER TABLE ONLY public.publishing_calendar
    ADD CONSTRAINT publishing_calendar_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.publishing_calendar
    ADD CONSTRAINT publishing_calendar_distribution_fkey FOREIGN KEY (distribution_id, client_id) REFERENCES public.distributions(id, client_id) ON DELETE SET NULL (distribution_id);

ALTER TABLE ONLY public.publishing_calendar
    ADD CONSTRAINT publishing_calendar_platform_fkey FOREIGN KEY (platform_id, client_id) REFERENCES public.platforms(id, client_id) ON DELETE CASCADE;

-- ==== supabase/schemas/100_patterns.sql

-- Posting patterns: what the system learns about good posting times, and the feedback it learns from.

CREATE TABLE public.pattern_feedback (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    pattern_id uuid NOT NULL,
    content_id uuid,
    distribution_id uuid,
    pattern_applied boolean NOT NULL,
    impressions integer,
    engagements integer,
    clicks integer,
    shares integer,
    engagement_rate numeric,
    posted_at timestamp with time zone,
    day_of_week smallint,
    hour_of_day smallint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    engagement_base integer,
    engagement_count integer,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT pattern_feedback_clicks_check CHECK ((clicks >= 0)),
    CONSTRAINT pattern_feedback_day_of_week_check CHECK (((day_of_week >= 0) AND (day_of_week <= 6))),
    CONSTRAINT pattern_feedback_engagement_base_check CHECK ((engagement_base >= 0)),
    CONSTRAINT pattern_feedback_engagement_count_check CHECK ((engagement_count >= 0)),
    CONSTRAINT pattern_feedback_engagement_rate_check CHECK ((engagement_rate >= (0)::numeric)),
    CONSTRAINT pattern_feedback_engagements_check CHECK ((engagements >= 0)),
    CONSTRAINT pattern_feedback_hour_of_day_check CHECK (((hour_of_day >= 0) AND (hour_of_day <= 23))),
    CONSTRAINT pattern_feedback_impressions_check CHECK ((impressions >= 0)),
    CONSTRAINT pattern_feedback_shares_check CHECK ((shares >= 0))
);

COMMENT ON TABLE public.pattern_feedback IS 'One observation of a published distribution against a platform pattern: was the pattern applied, and how it performed.';

COMMENT ON COLUMN public.pattern_feedback.pattern_applied IS 'Whether the pattern was applied to this distribution.';

COMMENT ON COLUMN public.pattern_feedback.posted_at IS 'The distribution''s published_at.';

COMMENT ON COLUMN public.pattern_feedback.day_of_week IS 'Day of week of posted_at in the distribution''s timezone, 0 = Sunday.';

COMMENT ON COLUMN public.pattern_feedback.hour_of_day IS 'Hour of posted_at in the distribution''s timezone, 0..23.';

COMMENT ON COLUMN public.pattern_feedback.engagement_base IS 'The distribution''s engagement_base (sample size for lift tests).';

COMMENT ON COLUMN public.pattern_feedback.engagement_count IS 'The distribution''s engagement_count.';

ALTER TABLE ONLY public.pattern_feedback
    ADD CONSTRAINT pattern_feedback_pkey PRIMARY KEY (id);

CREATE INDEX idx_pattern_feedback_client ON public.pattern_feedback USING btree (client_id);

CREATE INDEX idx_pattern_feedback_pattern ON public.pattern_feedback USING btree (pattern_id);

CREATE INDEX idx_pattern_feedback_content ON public.pattern_feedback USING btree (content_id);

CREATE INDEX idx_pattern_feedback_distribution ON public.pattern_feedback USING btree (distribution_id);

ALTER TABLE ONLY public.pattern_feedback
    ADD CONSTRAINT pattern_feedback_pattern_distribution_key UNIQUE (pattern_id, distribution_id);

CREATE INDEX idx_pattern_feedback_lift ON public.pattern_feedback USING btree (pattern_id, pattern_applied) INCLUDE (engagement_rate, engagement_base, engagement_count);

ALTER TABLE public.pattern_feedback ENABLE ROW LEVEL SECURITY;

CREATE POLICY pattern_feedback_delete ON public.pattern_feedback FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY pattern_feedback_insert ON public.pattern_feedback FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY pattern_feedback_select ON public.pattern_feedback FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY pattern_feedback_update ON public.pattern_feedback FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.pattern_feedback TO authenticated;
GRANT ALL ON TABLE public.pattern_feedback TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.pattern_feedback FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

CREATE TABLE public.platform_patterns (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    platform_id uuid NOT NULL,
    pattern_type text NOT NULL,
    pattern_name text NOT NULL,
    pattern_template text,
    confidence numeric,
    sample_size integer DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT platform_patterns_confidence_check CHECK (((confidence >= (0)::numeric) AND (confidence <= (1)::numeric))),
    CONSTRAINT platform_patterns_pattern_name_check CHECK ((length(btrim(pattern_name)) > 0)),
    CONSTRAINT platform_patterns_pattern_type_check CHECK ((length(btrim(pattern_type)) > 0)),
    CONSTRAINT platform_patterns_sample_size_check CHECK ((sample_size >= 0))
);

COMMENT ON TABLE public.platform_patterns IS 'Patterns per platform, e.g. pattern_type timing / pattern_name optimal_posting_times.';

COMMENT ON COLUMN public.platform_patterns.pattern_template IS 'The pattern''s body as text; JSON for timing patterns (e.g. [{"day_of_week":1,"hour":9}], read with JSON.parse).';

COMMENT ON COLUMN public.platform_patterns.confidence IS 'Confidence in the pattern, 0..1.';

COMMENT ON COLUMN public.platform_patterns.sample_size IS 'Number of observations the pattern was derived from.';

ALTER TABLE ONLY public.platform_patterns
    ADD CONSTRAINT platform_patterns_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.platform_patterns
    ADD CONSTRAINT platform_patterns_platform_id_pattern_type_pattern_name_key UNIQUE (platform_id, pattern_type, pattern_name);

ALTER TABLE ONLY public.platform_patterns
    ADD CONSTRAINT platform_patterns_id_client_key UNIQUE (id, client_id);

CREATE INDEX idx_platform_patterns_client ON public.platform_patterns USING btree (client_id);

ALTER TABLE public.platform_patterns ENABLE ROW LEVEL SECURITY;

CREATE POLICY platform_patterns_delete ON public.platform_patterns FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY platform_patterns_insert ON public.platform_patterns FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY platform_patterns_select ON public.platform_patterns FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY platform_patterns_update ON public.platform_patterns FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.platform_patterns TO authenticated;
GRANT ALL ON TABLE public.platform_patterns TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.platform_patterns FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

ALTER TABLE ONLY public.pattern_feedback
    ADD CONSTRAINT pattern_feedback_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.pattern_feedback
    ADD CONSTRAINT pattern_feedback_content_fkey FOREIGN KEY (content_id, client_id) REFERENCES public.generated_content(id, client_id) ON DELETE SET NULL (content_id);

ALTER TABLE ONLY public.pattern_feedback
    ADD CONSTRAINT pattern_feedback_distribution_fkey FOREIGN KEY (distribution_id, client_id) REFERENCES public.distributions(id, client_id) ON DELETE CASCADE;

ALTER TABLE ONLY public.pattern_feedback
    ADD CONSTRAINT pattern_feedback_pattern_fkey FOREIGN KEY (pattern_id, client_id) REFERENCES public.platform_patterns(id, client_id) ON DELETE CASCADE;

ALTER TABLE ONLY public.platform_patterns
    ADD CONSTRAINT platform_patterns_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.platform_patterns
    ADD CONSTRAINT platform_patterns_platform_fkey FOREIGN KEY (platform_id, client_id) REFERENCES public.platforms(id, client_id) ON DELETE CASCADE;

-- ==== supabase/schemas/140_edge_function_invoker.sql

-- Calls an edge function from the database (pg_net), with the project URL and service-role key from Vault.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.invoke_edge_function(p_name text, p_body jsonb DEFAULT '{}'::jsonb, p_timeout_ms integer DEFAULT 5000, p_strict boolean DEFAULT false) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_url text;
  v_key text;
begin
  select decrypted_secret into v_url from vault.decrypted_secrets where name = 'project_url';
  select decrypted_secret into v_key from vault.decrypted_secrets where name = 'service_role_key';
  if v_url is null or v_key is null then
    -- Strict callers (cron jobs) fail loudly in cron.job_run_details; triggers only warn, so a missing
    -- secret never aborts the user's transaction (the cron sweep picks the work up once it is set).
    if p_strict then
      raise exception 'Vault secrets project_url and service_role_key are not set; see README "Deploying"';
    end if;
    raise warning 'Vault secrets project_url and service_role_key are not set; % not woken', p_name;
    return null;
  end if;
  return net.http_post(
    url := rtrim(v_url, '/') || '/functions/v1/' || p_name,
    body := p_body,
    headers := jsonb_build_object('Content-Type', 'application/json', 'Authorization', 'Bearer ' || v_key),
    timeout_milliseconds := p_timeout_ms
  );
end
$$;

COMMENT ON FUNCTION private.invoke_edge_function(p_name text, p_body jsonb, p_timeout_ms integer, p_strict boolean) IS 'Calls an edge function with the service-role key through pg_net (URL and key from Vault: project_url, service_role_key). Returns the pg_net request id.';

REVOKE ALL ON FUNCTION private.invoke_edge_function(p_name text, p_body jsonb, p_timeout_ms integer, p_strict boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION private.invoke_edge_function(p_name text, p_body jsonb, p_timeout_ms integer, p_strict boolean) TO service_role;

-- ==== supabase/schemas/150_distribution_status_machine.sql

-- The distribution status state machine, enforced for every writer (the publisher, the API, hand edits in
-- Studio). Inserts may start in any status (imports of history); updates may only follow these edges:
--   draft       -> scheduled
--   scheduled   -> publishing | cancelled | draft
--   publishing  -> published | failed | unconfirmed | scheduled (retry after a transient error or a rate
--                  limit) | publishing (a crashed worker's expired lease reclaimed)
--   failed      -> scheduled (retry) | cancelled
--   unconfirmed -> published | failed | scheduled (a person resolved it)
--   published, cancelled: final (their other columns, such as metrics, stay editable)

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.distribution_status_allowed(p_from text, p_to text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select p_from = p_to
      or (p_from, p_to) in (
        ('draft', 'scheduled'),
        ('scheduled', 'publishing'), ('scheduled', 'cancelled'), ('scheduled', 'draft'),
        ('publishing', 'published'), ('publishing', 'failed'), ('publishing', 'unconfirmed'),
        ('publishing', 'scheduled'),
        ('failed', 'scheduled'), ('failed', 'cancelled'),
        ('unconfirmed', 'published'), ('unconfirmed', 'failed'), ('unconfirmed', 'scheduled')
      )
$$;

COMMENT ON FUNCTION private.distribution_status_allowed(p_from text, p_to text) IS 'The legal distribution status changes (supabase/schemas/150_distribution_status_machine.sql lists them).';

REVOKE ALL ON FUNCTION private.distribution_status_allowed(p_from text, p_to text) FROM PUBLIC;
GRANT ALL ON FUNCTION private.distribution_status_allowed(p_from text, p_to text) TO authenticated;
GRANT ALL ON FUNCTION private.distribution_status_allowed(p_from text, p_to text) TO service_role;

CREATE FUNCTION private.enforce_distribution_status() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if new.status is distinct from old.status
     and not private.distribution_status_allowed(old.status, new.status) then
    raise exception 'illegal status change for distribution %: % -> %', old.id, old.status, new.status
      using errcode = 'check_violation',
            hint = 'Allowed: draft->scheduled; scheduled->publishing|cancelled|draft; '
                   'publishing->published|failed|unconfirmed|scheduled; failed->scheduled|cancelled; '
                   'unconfirmed->published|failed|scheduled.';
  end if;
  return new;
end
$$;

REVOKE ALL ON FUNCTION private.enforce_distribution_status() FROM PUBLIC;

CREATE TRIGGER distributions_status_machine BEFORE UPDATE OF status ON public.distributions FOR EACH ROW WHEN (((old.status IS DISTINCT FROM new.status) AND (NOT private.distribution_status_allowed(old.status, new.status)))) EXECUTE FUNCTION private.enforce_distribution_status();

-- ==== supabase/schemas/180_slot_choice.sql

-- Slot choice: the posting times, the calendar occurrences and the search for a free slot.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION scheduling.calendar_occurrences(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_recurring_only boolean DEFAULT false) RETURNS TABLE(calendar_id uuid, template_id uuid, date date, time_slot time without time zone, timezone text, at timestamp with time zone, slot_type text, is_locked boolean, distribution_id uuid)
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
begin
  return query
  select c.id, case when c.recurring_pattern is not null then c.id end, c.date, c.time_slot, c.timezone,
         c.starts_at, c.slot_type, c.is_locked, c.distribution_id
  from public.publishing_calendar c
  -- idx_publishing_calendar_platform_starts
  where not p_recurring_only
    and c.platform_id = p_platform_id
    and c.starts_at >= p_from
    and c.starts_at < p_to
  union all
  select null, t.id, o.d, t.time_slot, t.timezone, o.at, t.slot_type, t.is_locked, null
  from public.publishing_calendar t
  cross join lateral (
    select greatest(t.date + 1, (p_from at time zone t.timezone)::date) as lf, (p_to at time zone t.timezone)::date as lt
  ) r
  cross join lateral (
    select g::date as d
    from generate_series(r.lf::timestamp, r.lt::timestamp, interval '1 day') g
    where t.recurring_pattern = 'daily'
    union all
    select g::date
    from generate_series((r.lf + ((extract(dow from t.date)::integer - extract(dow from r.lf)::integer + 7) % 7))::timestamp,
                         r.lt::timestamp, interval '7 days') g
    where t.recurring_pattern = 'weekly'
    union all
    -- the same day of the month, or the month's last day when it is shorter
    select m.d
    from generate_series(
           greatest(1, (extract(year from r.lf) * 12 + extract(month from r.lf)
                        - extract(year from t.date) * 12 - extract(month from t.date))::integer - 1),
           (extract(year from r.lt) * 12 + extract(month from r.lt)
            - extract(year from t.date) * 12 - extract(month from t.date))::integer + 1) n
    cross join lateral (select (t.date + make_interval(months => n))::date as d) m
    where t.recurring_pattern = 'monthly' and m.d between r.lf and r.lt
  ) dd
  cross join lateral (select dd.d, scheduling.local_to_utc(dd.d + t.time_slot, t.timezone) as at) o
  where t.platform_id = p_platform_id
    and t.recurring_pattern is not null
    and r.lf <= r.lt
    and o.at >= p_from and o.at < p_to
    and not exists (
      select 1 from public.publishing_calendar e
      where e.date = o.d and e.time_slot = t.time_slot and e.platform_id = p_platform_id);
end
$$;

COMMENT ON FUNCTION scheduling.calendar_occurrences(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_recurring_only boolean) IS 'Calendar slots of a platform in [p_from, p_to): existing rows and not-yet-materialized occurrences of recurring slots, each with its instant.';

REVOKE ALL ON FUNCTION scheduling.calendar_occurrences(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_recurring_only boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.calendar_occurrences(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_recurring_only boolean) TO authenticated;
GRANT ALL ON FUNCTION scheduling.calendar_occurrences(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_recurring_only boolean) TO service_role;

CREATE FUNCTION scheduling.default_posting_times(p_kind text) RETURNS TABLE(day_of_week integer, hour integer, score numeric)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $$
  select v.dow, v.hour, v.score
  from (values
    -- The seed's defaults (weekday mornings) for long-form and professional platforms.
    ('wordpress', 1, 9, 1.0), ('wordpress', 2, 10, 1.0), ('wordpress', 3, 9, 1.0), ('wordpress', 4, 10, 1.0),
    ('wordpress', 5, 9, 1.0),
    ('linkedin', 1, 9, 1.0), ('linkedin', 2, 10, 1.0), ('linkedin', 3, 9, 1.0), ('linkedin', 4, 10, 1.0),
    ('linkedin', 5, 9, 1.0),
    ('email', 2, 10, 1.0), ('email', 4, 10, 1.0),
    ('podcast', 2, 6, 1.0), ('podcast', 4, 6, 1.0),
    -- Short-form social: several times a day.
    ('x', 1, 9, 1.0), ('x', 1, 12, 0.9), ('x', 1, 17, 0.8), ('x', 2, 9, 1.0), ('x', 2, 12, 0.9), ('x', 2, 17, 0.8),
    ('x', 3, 9, 1.0), ('x', 3, 12, 0.9), ('x', 3, 17, 0.8), ('x', 4, 9, 1.0), ('x', 4, 12, 0.9), ('x', 4, 17, 0.8),
    ('x', 5, 9, 1.0), ('x', 5, 12, 0.9), ('x', 5, 17, 0.8),
    ('instagram', 0, 11, 0.8), ('instagram', 1, 11, 1.0), ('instagram', 2, 11, 1.0), ('instagram', 3, 11, 1.0),
    ('instagram', 4, 11, 1.0), ('instagram', 5, 11, 1.0), ('instagram', 6, 11, 0.8),
    ('instagram', 1, 19, 0.9), ('instagram', 3, 19, 0.9), ('instagram', 5, 19, 0.9),
    ('tiktok', 2, 19, 1.0), ('tiktok', 3, 19, 1.0), ('tiktok', 4, 19, 1.0), ('tiktok', 5, 19, 1.0),
    ('tiktok', 6, 19, 1.0),
    ('youtube', 4, 15, 1.0), ('youtube', 5, 15, 1.0), ('youtube', 6, 11, 0.9), ('youtube', 0, 11, 0.9)
  ) as v (kind, dow, hour, score)
  where v.kind = p_kind
$$;

COMMENT ON FUNCTION scheduling.default_posting_times(p_kind text) IS 'Default posting times per platform kind (local day_of_week 0 = Sunday, hour), used until a platform has a learned optimal_posting_times pattern.';

REVOKE ALL ON FUNCTION scheduling.default_posting_times(p_kind text) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.default_posting_times(p_kind text) TO authenticated;
GRANT ALL ON FUNCTION scheduling.default_posting_times(p_kind text) TO service_role;

CREATE FUNCTION scheduling.find_slot(p_platform_id uuid, p_tz text, p_slot_type text DEFAULT 'regular'::text, p_not_before timestamp with time zone DEFAULT NULL::timestamp with time zone, p_priority text DEFAULT 'normal'::text, p_exclude uuid DEFAULT NULL::uuid, p_horizon interval DEFAULT NULL::interval) RETURNS TABLE(at timestamp with time zone, calendar_id uuid, template_id uuid, slot_type text, source text)
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    SET plan_cache_mode TO 'force_custom_plan'
    AS $$
declare
  v_min timestamptz := greatest(now(), coalesce(p_not_before, now()));
  v_days integer;
  v_end timestamptz;
  v_window interval;
  v_tiers text[];
  v_scores numeric[];
  v_ws timestamptz;
  v_we timestamptz;
  v_best record;
  v_reason text;
  v_hours timestamptz[];
  v_hour_scores numeric[];
  v_free_at timestamptz[];
  v_free_ids uuid[];
  v_free_templates uuid[];
  v_free_types text[];
  v_dates date[];
  v_times time[];
begin
  select c.optimize_max_days_ahead into v_days
  from public.platforms p join public.clients c on c.id = p.client_id
  where p.id = p_platform_id;
  if not found then
    raise exception 'platform % not found', p_platform_id using errcode = 'no_data_found';
  end if;
  v_end := v_min + make_interval(days => v_days);
  v_window := least(greatest(coalesce(p_horizon, interval '7 days'), interval '1 hour'), make_interval(days => v_days));
  v_tiers := case
    when p_slot_type = 'test' then array['test', 'regular']
    when p_slot_type = 'prime' or p_priority = 'high' then array['prime', 'regular']
    else array['regular']
  end;
  -- 168 scores, indexed by day_of_week * 24 + hour + 1; null where optimize does not post.
  select array_agg(s.score order by g.w) into v_scores
  from generate_series(0, 167) g (w)
  left join scheduling.hour_scores(p_platform_id) s on s.day_of_week * 24 + s.hour = g.w;

  v_ws := v_min;
  while v_ws < v_end loop
    v_we := least(v_ws + v_window, v_end);
    -- The window's hours with a score, and the local dates and times they fall on.
    select coalesce(array_agg(h.at order by h.at), '{}'), coalesce(array_agg(h.score order by h.at), '{}'),
           coalesce(array_agg(distinct (h.at at time zone p_tz)::date), '{}'),
           coalesce(array_agg(distinct (h.at at time zone p_tz)::time), '{}')
      into v_hours, v_hour_scores, v_dates, v_times
    from (
      select scheduling.local_to_utc(d::date + make_time(g.h, 0, 0), p_tz) as at,
             v_scores[extract(dow from d)::integer * 24 + g.h + 1] as score
      from generate_series((v_ws at time zone p_tz)::date::timestamp, (v_we at time zone p_tz)::date::timestamp,
                           interval '1 day') d
      cross join generate_series(0, 23) g (h)
      where v_scores[extract(dow from d)::integer * 24 + g.h + 1] is not null
    ) h
    where h.at >= greatest(v_ws, v_min) and h.at < v_we;
    select coalesce(array_agg(f.at), '{}'), coalesce(array_agg(f.calendar_id), '{}'),
           coalesce(array_agg(f.template_id), '{}'), coalesce(array_agg(f.slot_type), '{}')
      into v_free_at, v_free_ids, v_free_templates, v_free_types
    from scheduling.free_calendar_slots(p_platform_id, v_ws, v_we) f;
    -- Every read below is an index lookup of the candidates' own instants, dates and times (arrays), so the
    -- queue's other rows are never read; each is made once (materialized), not once per candidate.
    with occupied as (
        select k.starts_at as at, k.distribution_id
        from public.publishing_calendar k
        where k.platform_id = p_platform_id and k.starts_at = any (v_hours || v_free_at)
      ),
      keys as materialized (
        select k.date, k.time_slot from public.publishing_calendar k
        where k.date = any (v_dates) and k.time_slot = any (v_times) and k.platform_id = p_platform_id
          and k.distribution_id is distinct from p_exclude
      ),
      recurring as materialized (
        select o.at from scheduling.calendar_occurrences(p_platform_id, v_ws, v_we, true) o
      ),
      spans as materialized (
        select b.lo, b.hi from scheduling.blocked_spans(p_platform_id, v_ws, v_we, p_exclude) b
      ),
      candidates as (
      select f.at, f.calendar_id, f.template_id, f.slot_type as tier, 'calendar'::text as source,
             coalesce(v_scores[extract(dow from f.at at time zone p_tz)::integer * 24
                               + extract(hour from f.at at time zone p_tz)::integer + 1], 0) as score,
             array_position(v_tiers, f.slot_type) as rank, 0 as kind_order
      from unnest(v_free_at, v_free_ids, v_free_templates, v_free_types) as f (at, calendar_id, template_id, slot_type)
      where f.slot_type = any (v_tiers)
        -- another slot at the same instant that holds another post
        and not exists (select 1 from occupied o where o.at = f.at and o.distribution_id is not null
                          and o.distribution_id is distinct from p_exclude)
      union all
      select x.at, null::uuid, null::uuid, 'regular', 'posting_times', x.score, array_position(v_tiers, 'regular'), 1
      from unnest(v_hours, v_hour_scores) as x (at, score)
      -- a calendar slot at this instant speaks for it (a candidate of its own, or taken, locked, reserved)
      where not exists (select 1 from occupied o where o.at = x.at and coalesce(o.distribution_id <> p_exclude, true))
        and not exists (select 1 from recurring o where o.at = x.at)
        -- the post's own calendar key (local date and time) must be free
        and not exists (select 1 from keys k where k.date = (x.at at time zone p_tz)::date
                          and k.time_slot = (x.at at time zone p_tz)::time)
      )
    select c.at, c.calendar_id, c.template_id, c.tier, c.source into v_best
    from candidates c
    where c.at >= v_min
      and not exists (select 1 from spans s where c.at > s.lo and c.at < s.hi)
    order by c.rank, c.score desc, c.at, c.kind_order, c.calendar_id nulls last
    limit 1;
    if found then
      return query select v_best.at, v_best.calendar_id, v_best.template_id, v_best.tier, v_best.source;
      return;
    end if;
    v_ws := v_we;
  end loop;

  -- Nothing allowed up to the cap: name what refuses the best hour of the first window.
  select scheduling.slot_conflict(p_platform_id, h.at, p_tz, p_exclude, v_tiers) into v_reason
  from (
    select scheduling.local_to_utc(d::date + make_time(h, 0, 0), p_tz) as at,
           v_scores[extract(dow from d)::integer * 24 + h + 1] as score
    from generate_series((v_min at time zone p_tz)::date::timestamp,
                         ((v_min + v_window) at time zone p_tz)::date::timestamp, interval '1 day') d
    cross join generate_series(0, 23) h
  ) h
  where h.score is not null and h.at >= v_min
  order by h.score desc, h.at
  limit 1;
  raise exception 'no free slot within % days (optimize_max_days_ahead): %', v_days,
    coalesce(v_reason, 'the platform has no posting hours')
    using errcode = 'SL409',
          hint = 'Raise posts_per_hour / posts_per_day, lower min_interval_minutes, or raise the client''s '
                 'optimize_max_days_ahead.';
end
$$;

COMMENT ON FUNCTION scheduling.find_slot(p_platform_id uuid, p_tz text, p_slot_type text, p_not_before timestamp with time zone, p_priority text, p_exclude uuid, p_horizon interval) IS 'The allowed instant of highest expected value for a new post on a platform within p_horizon (a week by default), at or after p_not_before and now; later windows up to the client''s optimize_max_days_ahead when one has none. Raises SL409 naming the full limit past that.';

REVOKE ALL ON FUNCTION scheduling.find_slot(p_platform_id uuid, p_tz text, p_slot_type text, p_not_before timestamp with time zone, p_priority text, p_exclude uuid, p_horizon interval) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.find_slot(p_platform_id uuid, p_tz text, p_slot_type text, p_not_before timestamp with time zone, p_priority text, p_exclude uuid, p_horizon interval) TO authenticated;
GRANT ALL ON FUNCTION scheduling.find_slot(p_platform_id uuid, p_tz text, p_slot_type text, p_not_before timestamp with time zone, p_priority text, p_exclude uuid, p_horizon interval) TO service_role;

CREATE FUNCTION scheduling.nearest_allowed(p_platform_id uuid, p_at timestamp with time zone, p_tz text, p_exclude uuid DEFAULT NULL::uuid, p_slot_types text[] DEFAULT NULL::text[]) RETURNS timestamp with time zone
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
declare
  v_from timestamptz := greatest(p_at, now());
  v_limit timestamptz := greatest(p_at, now()) + interval '17520 hours';
  v_window constant interval := interval '14 days';
  v_candidate timestamptz;
  v_at timestamptz;
  v_reason text;
begin
  perform 1 from public.platforms p where p.id = p_platform_id;
  if not found then
    raise exception 'platform % not found', p_platform_id using errcode = 'no_data_found';
  end if;
  while v_from <= v_limit loop
    for v_candidate in
      with spans as (
        select b.lo, b.hi from scheduling.blocked_spans(p_platform_id, v_from, v_from + v_window, p_exclude) b
      )
      select c.at
      from (select v_from as at union select s.hi from spans s where s.hi >= v_from and s.hi < v_from + v_window) c
      where not exists (select 1 from spans s where c.at > s.lo and c.at < s.hi)
      order by c.at
    loop
      v_at := v_candidate;
      for i in 1..60 loop
        v_reason := scheduling.slot_conflict(p_platform_id, v_at, p_tz, p_exclude, p_slot_types);
        if v_reason is null then
          return v_at;
        end if;
        -- a limit: a later span end is the next candidate
        exit when v_reason like 'min_interval%' or v_reason like 'posts_per%';
        v_at := v_at + interval '1 minute';
      end loop;
    end loop;
    v_from := v_from + v_window;
  end loop;
  raise exception 'no allowed time on platform % within 2 years after %', p_platform_id, scheduling.to_utc_iso(p_at)
    using errcode = 'P0001';
end
$$;

COMMENT ON FUNCTION scheduling.nearest_allowed(p_platform_id uuid, p_at timestamp with time zone, p_tz text, p_exclude uuid, p_slot_types text[]) IS 'The earliest instant at or after p_at (and now) at which the platform may take a post.';

REVOKE ALL ON FUNCTION scheduling.nearest_allowed(p_platform_id uuid, p_at timestamp with time zone, p_tz text, p_exclude uuid, p_slot_types text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.nearest_allowed(p_platform_id uuid, p_at timestamp with time zone, p_tz text, p_exclude uuid, p_slot_types text[]) TO authenticated;
GRANT ALL ON FUNCTION scheduling.nearest_allowed(p_platform_id uuid, p_at timestamp with time zone, p_tz text, p_exclude uuid, p_slot_types text[]) TO service_role;

CREATE FUNCTION scheduling.platform_posts(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_exclude uuid DEFAULT NULL::uuid) RETURNS SETOF timestamp with time zone
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select d.scheduled_for from public.distributions d
  where d.platform_id = p_platform_id and d.status in ('scheduled', 'publishing', 'unconfirmed')
    and d.scheduled_for > p_from and d.scheduled_for < p_to and d.id is distinct from p_exclude
  union all
  select d.published_at from public.distributions d
  where d.platform_id = p_platform_id and d.status = 'published'
    and d.published_at > p_from and d.published_at < p_to and d.id is distinct from p_exclude
$$;

REVOKE ALL ON FUNCTION scheduling.platform_posts(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_exclude uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.platform_posts(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_exclude uuid) TO authenticated;
GRANT ALL ON FUNCTION scheduling.platform_posts(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_exclude uuid) TO service_role;

CREATE FUNCTION scheduling.posting_times(p_platform_id uuid) RETURNS TABLE(day_of_week integer, hour integer, score numeric)
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
declare
  v_template text;
  v_kind text;
begin
  select p.kind into v_kind from public.platforms p where p.id = p_platform_id;
  select pp.pattern_template into v_template
  from public.platform_patterns pp
  where pp.platform_id = p_platform_id and pp.pattern_type = 'timing' and pp.pattern_name = 'optimal_posting_times';

  if v_template is not null then
    begin
      return query
      select distinct (e ->> 'day_of_week')::integer, (e ->> 'hour')::integer,
             coalesce((e ->> 'score')::numeric, 1)
      from jsonb_array_elements(v_template::jsonb) as e
      where (e ->> 'day_of_week')::integer between 0 and 6 and (e ->> 'hour')::integer between 0 and 23;
      if found then
        return;
      end if;
    exception when others then
      -- A malformed pattern must not stop scheduling: fall back to the defaults.
      raise warning 'platform %: unreadable optimal_posting_times pattern (%), using defaults', p_platform_id, sqlerrm;
    end;
  end if;
  return query select * from scheduling.default_posting_times(v_kind);
end
$$;

COMMENT ON FUNCTION scheduling.posting_times(p_platform_id uuid) IS 'Posting times of a platform: its platform_patterns timing/optimal_posting_times entries, else the kind''s defaults.';

REVOKE ALL ON FUNCTION scheduling.posting_times(p_platform_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.posting_times(p_platform_id uuid) TO authenticated;
GRANT ALL ON FUNCTION scheduling.posting_times(p_platform_id uuid) TO service_role;

CREATE FUNCTION scheduling.slot_conflict(p_platform_id uuid, p_at timestamp with time zone, p_tz text, p_exclude uuid DEFAULT NULL::uuid, p_slot_types text[] DEFAULT NULL::text[], p_allow_locked boolean DEFAULT false) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
declare
  v_p record;
  v_occ record;
  v_usable boolean := false;
  v_locked boolean := false;
  v_reserved text;
  v_key record;
  v_other timestamptz;
begin
  select p.posts_per_hour, p.posts_per_day, p.min_interval_minutes into v_p
  from public.platforms p where p.id = p_platform_id;
  if not found then
    return 'platform not found';
  end if;
  if p_at < now() then
    return format('%s is in the past', scheduling.to_utc_iso(p_at));
  end if;

  for v_occ in select * from scheduling.calendar_occurrences(p_platform_id, p_at, p_at + interval '1 microsecond') loop
    if v_occ.distribution_id is not null and v_occ.distribution_id is distinct from p_exclude then
      return format('slot taken: %s %s (%s) holds distribution %s', v_occ.date, v_occ.time_slot, v_occ.timezone,
                    v_occ.distribution_id);
    elsif v_occ.is_locked and not p_allow_locked and v_occ.distribution_id is null then
      v_locked := true;
    elsif p_slot_types is not null and not (v_occ.slot_type = any (p_slot_types)) then
      v_reserved := v_occ.slot_type;
    else
      v_usable := true;
    end if;
  end loop;
  if not v_usable then
    if v_locked then
      return 'locked slot';
    elsif v_reserved is not null then
      return format('%s slot (reserved for %s)', v_reserved,
                    case v_reserved when 'prime' then 'high-priority content' when 'test' then 'A/B variants'
                                    else 'other content' end);
    end if;
    -- No slot at this instant: the post would get a row at its local (date, time_slot); that key must be free.
    select c.distribution_id, c.is_locked, c.timezone into v_key
    from public.publishing_calendar c
    where c.platform_id = p_platform_id and c.date = (p_at at time zone p_tz)::date
      and c.time_slot = (p_at at time zone p_tz)::time and c.distribution_id is distinct from p_exclude;
    if found then
      if v_key.distribution_id is not null then
        return format('slot taken: %s holds distribution %s', scheduling.to_local_iso(p_at, p_tz), v_key.distribution_id);
      elsif v_key.is_locked then
        return 'locked slot';
      else
        return format('the calendar slot at local %s is defined in time zone %s',
                      scheduling.to_local_iso(p_at, p_tz), v_key.timezone);
      end if;
    end if;
  end if;

  if coalesce(v_p.min_interval_minutes, 0) > 0 then
    select t into v_other
    from scheduling.platform_posts(p_platform_id, p_at - make_interval(mins => v_p.min_interval_minutes),
                                   p_at + make_interval(mins => v_p.min_interval_minutes), p_exclude) as t
    order by abs(extract(epoch from t - p_at)) limit 1;
    if found then
      return format('min_interval_minutes (%s): another post at %s', v_p.min_interval_minutes,
                    scheduling.to_utc_iso(v_other));
    end if;
  end if;
  if v_p.posts_per_hour is not null
     and scheduling.window_full(p_platform_id, p_at, interval '1 hour', v_p.posts_per_hour, p_exclude) then
    return format('posts_per_hour limit (%s) reached', v_p.posts_per_hour);
  end if;
  if v_p.posts_per_day is not null
     and scheduling.window_full(p_platform_id, p_at, interval '24 hours', v_p.posts_per_day, p_exclude) then
    return format('posts_per_day limit (%s) reached', v_p.posts_per_day);
  end if;
  return null;
end
$$;

COMMENT ON FUNCTION scheduling.slot_conflict(p_platform_id uuid, p_at timestamp with time zone, p_tz text, p_exclude uuid, p_slot_types text[], p_allow_locked boolean) IS 'Why a post on the platform at p_at is not allowed (past, taken or locked slot, reserved slot type, min_interval_minutes, posts_per_hour, posts_per_day), or null when it is.';

REVOKE ALL ON FUNCTION scheduling.slot_conflict(p_platform_id uuid, p_at timestamp with time zone, p_tz text, p_exclude uuid, p_slot_types text[], p_allow_locked boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.slot_conflict(p_platform_id uuid, p_at timestamp with time zone, p_tz text, p_exclude uuid, p_slot_types text[], p_allow_locked boolean) TO authenticated;
GRANT ALL ON FUNCTION scheduling.slot_conflict(p_platform_id uuid, p_at timestamp with time zone, p_tz text, p_exclude uuid, p_slot_types text[], p_allow_locked boolean) TO service_role;

CREATE FUNCTION scheduling.window_full(p_platform_id uuid, p_at timestamp with time zone, p_len interval, p_max integer, p_exclude uuid DEFAULT NULL::uuid) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select exists (
    select 1
    from (select t, lead(t, p_max - 1) over (order by t) as t2
          from scheduling.platform_posts(p_platform_id, p_at - p_len, p_at + p_len, p_exclude) as t) x
    where x.t2 is not null and greatest(x.t2, p_at) - least(x.t, p_at) < p_len
  )
$$;

REVOKE ALL ON FUNCTION scheduling.window_full(p_platform_id uuid, p_at timestamp with time zone, p_len interval, p_max integer, p_exclude uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.window_full(p_platform_id uuid, p_at timestamp with time zone, p_len interval, p_max integer, p_exclude uuid) TO authenticated;
GRANT ALL ON FUNCTION scheduling.window_full(p_platform_id uuid, p_at timestamp with time zone, p_len interval, p_max integer, p_exclude uuid) TO service_role;

-- ==== supabase/schemas/190_calendar_follows_distribution.sql

-- The calendar follows the distributions: a scheduled distribution holds its slot, and releases it when it
-- leaves the schedule.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.release_calendar_slots(p_distribution_id uuid, p_keep uuid DEFAULT NULL::uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  delete from public.publishing_calendar
  where distribution_id = p_distribution_id and is_ad_hoc and id is distinct from p_keep;
  update public.publishing_calendar set distribution_id = null
  where distribution_id = p_distribution_id and id is distinct from p_keep;
end
$$;

REVOKE ALL ON FUNCTION private.release_calendar_slots(p_distribution_id uuid, p_keep uuid) FROM PUBLIC;

CREATE FUNCTION private.sync_distribution_calendar() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if tg_op = 'DELETE' then
    -- The foreign key frees the other rows (updating them here would fail when a client is deleted: its calendar
    -- rows would be re-checked against a client that is already gone).
    delete from public.publishing_calendar where distribution_id = old.id and is_ad_hoc;
    return old;
  end if;
  if new.scheduled_for is not null
     and new.status in ('scheduled', 'publishing', 'unconfirmed', 'published') then
    perform private.take_calendar_slot(new.id, new.client_id, new.platform_id, new.scheduled_for, new.timezone);
  elsif tg_op = 'UPDATE' then
    perform private.release_calendar_slots(new.id);
  end if;
  return null;
end
$$;

COMMENT ON FUNCTION private.sync_distribution_calendar() IS 'Keeps a distribution''s publishing_calendar slot at its scheduled_for while it holds one; frees it otherwise.';

REVOKE ALL ON FUNCTION private.sync_distribution_calendar() FROM PUBLIC;

CREATE FUNCTION private.take_calendar_slot(p_distribution_id uuid, p_client_id uuid, p_platform_id uuid, p_at timestamp with time zone, p_tz text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_id uuid;
  v_occ record;
  v_date date;
  v_time time;
  v_holder record;
begin
  -- Already there?
  select c.id into v_id
  from public.publishing_calendar c
  where c.distribution_id = p_distribution_id and c.platform_id = p_platform_id
    and scheduling.local_to_utc(c.date + c.time_slot, c.timezone) = p_at
  limit 1;
  perform private.release_calendar_slots(p_distribution_id, v_id);
  if v_id is not null then
    return v_id;
  end if;

  -- A free row at this instant (unlocked first; a locked one only when a person put the row there).
  select c.id into v_id
  from public.publishing_calendar c
  where c.platform_id = p_platform_id and c.distribution_id is null
    and scheduling.local_to_utc(c.date + c.time_slot, c.timezone) = p_at -- idx_publishing_calendar_platform_instant
  order by c.is_locked, c.id
  limit 1
  for update;
  if v_id is not null then
    update public.publishing_calendar set distribution_id = p_distribution_id where id = v_id;
    return v_id;
  end if;

  -- An occurrence of a recurring slot with no row yet: materialize it. Otherwise a row at the local time.
  select o.* into v_occ
  from scheduling.calendar_occurrences(p_platform_id, p_at, p_at + interval '1 microsecond') o
  join public.publishing_calendar t on t.id = o.template_id
  where o.calendar_id is null
  order by o.is_locked, o.template_id
  limit 1;
  if found then
    insert into public.publishing_calendar
      (client_id, date, time_slot, timezone, platform_id, distribution_id, slot_type, is_locked, is_ad_hoc)
    values (p_client_id, v_occ.date, v_occ.time_slot, v_occ.timezone, p_platform_id, p_distribution_id,
            v_occ.slot_type, v_occ.is_locked, true)
    on conflict (date, time_slot, platform_id) do nothing
    returning id into v_id;
    v_date := v_occ.date;
    v_time := v_occ.time_slot;
  else
    v_date := (p_at at time zone p_tz)::date;
    v_time := (p_at at time zone p_tz)::time;
    insert into public.publishing_calendar
      (client_id, date, time_slot, timezone, platform_id, distribution_id, slot_type, is_ad_hoc)
    values (p_client_id, v_date, v_time, p_tz, p_platform_id, p_distribution_id, 'regular', true)
    on conflict (date, time_slot, platform_id) do nothing
    returning id into v_id;
  end if;

  if v_id is null then
    select c.distribution_id, c.is_locked, c.timezone into v_holder
    from public.publishing_calendar c
    where c.date = v_date and c.time_slot = v_time and c.platform_id = p_platform_id;
    raise exception 'calendar slot % % on platform % is already %', v_date, v_time, p_platform_id,
      case when v_holder.distribution_id is not null then 'taken by distribution ' || v_holder.distribution_id
           else 'defined in time zone ' || v_holder.timezone end
      using errcode = 'unique_violation', constraint = 'publishing_calendar_date_time_slot_platform_id_key';
  end if;
  return v_id;
end
$$;

REVOKE ALL ON FUNCTION private.take_calendar_slot(p_distribution_id uuid, p_client_id uuid, p_platform_id uuid, p_at timestamp with time zone, p_tz text) FROM PUBLIC;

CREATE TRIGGER distributions_calendar_delete BEFORE DELETE ON public.distributions FOR EACH ROW EXECUTE FUNCTION private.sync_distribution_calendar();

CREATE TRIGGER distributions_calendar_insert AFTER INSERT ON public.distributions FOR EACH ROW WHEN (((new.scheduled_for IS NOT NULL) AND (new.status = ANY (ARRAY['scheduled'::text, 'publishing'::text, 'unconfirmed'::text])))) EXECUTE FUNCTION private.sync_distribution_calendar();

CREATE TRIGGER distributions_calendar_update AFTER UPDATE ON public.distributions FOR EACH ROW WHEN (((old.scheduled_for IS DISTINCT FROM new.scheduled_for) OR (old.platform_id IS DISTINCT FROM new.platform_id) OR ((old.status = ANY (ARRAY['scheduled'::text, 'publishing'::text, 'unconfirmed'::text, 'published'::text])) IS DISTINCT FROM (new.status = ANY (ARRAY['scheduled'::text, 'publishing'::text, 'unconfirmed'::text, 'published'::text]))))) EXECUTE FUNCTION private.sync_distribution_calendar();

-- ==== supabase/schemas/200_cross_post_group_status.sql

-- A cross-post group's status follows its distributions.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.cross_post_group_status(p_total bigint, p_published bigint, p_ended bigint, p_in_flight bigint) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $$
  select case
    when p_total = 0 then 'pending'
    when p_published = p_total then 'completed'
    when p_published + p_ended = p_total then case when p_published > 0 then 'partial' else 'failed' end
    when p_published = 0 and p_ended = 0 and p_in_flight = 0 then 'pending'
    else 'in_progress'
  end
$$;

COMMENT ON FUNCTION private.cross_post_group_status(p_total bigint, p_published bigint, p_ended bigint, p_in_flight bigint) IS 'A cross-post group''s status from its member counts (total, published, failed or cancelled, in flight).';

REVOKE ALL ON FUNCTION private.cross_post_group_status(p_total bigint, p_published bigint, p_ended bigint, p_in_flight bigint) FROM PUBLIC;

CREATE FUNCTION private.refresh_cross_post_group(p_group_id uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_current text;
  v_new text;
begin
  select g.status into v_current
  from public.cross_post_groups g
  join public.clients c on c.id = g.client_id
  where g.id = p_group_id
  for no key update of g;
  if not found then
    return; -- the group (or its whole client) is being deleted
  end if;
  select private.cross_post_group_status(
           count(*),
           count(*) filter (where d.status = 'published'),
           count(*) filter (where d.status in ('failed', 'cancelled')),
           count(*) filter (where d.status in ('publishing', 'unconfirmed')))
    into v_new
  from public.distributions d
  where d.cross_post_group_id = p_group_id;
  if v_new is distinct from v_current then
    update public.cross_post_groups set status = v_new where id = p_group_id;
  end if;
end
$$;

REVOKE ALL ON FUNCTION private.refresh_cross_post_group(p_group_id uuid) FROM PUBLIC;

CREATE FUNCTION private.sync_cross_post_group_status() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  -- Two groups (a member moved between groups): lock them in id order.
  if tg_op = 'UPDATE' and old.cross_post_group_id is distinct from new.cross_post_group_id then
    perform private.refresh_cross_post_group(g)
    from unnest(array[old.cross_post_group_id, new.cross_post_group_id]) as g
    where g is not null
    order by g;
  elsif tg_op = 'DELETE' then
    perform private.refresh_cross_post_group(old.cross_post_group_id);
  else
    perform private.refresh_cross_post_group(new.cross_post_group_id);
  end if;
  return null;
end
$$;

COMMENT ON FUNCTION private.sync_cross_post_group_status() IS 'Recomputes the cross-post group status of a changed member''s group(s).';

REVOKE ALL ON FUNCTION private.sync_cross_post_group_status() FROM PUBLIC;

CREATE TRIGGER distributions_group_status_delete AFTER DELETE ON public.distributions FOR EACH ROW WHEN ((old.cross_post_group_id IS NOT NULL)) EXECUTE FUNCTION private.sync_cross_post_group_status();

CREATE TRIGGER distributions_group_status_insert AFTER INSERT ON public.distributions FOR EACH ROW WHEN ((new.cross_post_group_id IS NOT NULL)) EXECUTE FUNCTION private.sync_cross_post_group_status();

CREATE TRIGGER distributions_group_status_update AFTER UPDATE ON public.distributions FOR EACH ROW WHEN ((((old.status IS DISTINCT FROM new.status) AND (new.cross_post_group_id IS NOT NULL)) OR (old.cross_post_group_id IS DISTINCT FROM new.cross_post_group_id))) EXECUTE FUNCTION private.sync_cross_post_group_status();

-- ==== supabase/schemas/210_schedule_content.sql

-- public.schedule_content: the scheduling transaction behind the schedule API and the generated-content processor.
-- SECURITY INVOKER: it runs as the caller (authenticated with its JWT claims, so RLS applies; or service_role).
-- 
-- Input:
--   {"client_id": uuid, "content_id": uuid|null, "content_type": "generated"|"manual"|"repurposed"|"curated",
--    "business_unit": text|null, "vertical_id": uuid|null, "priority": "normal"|"high",
--    "timing": {"mode": "exact", "at": ISO-8601 with offset, "nearest": bool}
--            | {"mode": "optimize", "horizon_days": 1-730|null (a week when absent)},
--    "cross_post": null | {"strategy": "simultaneous"|"staggered"|"optimized", "stagger_minutes": int|null,
--                          "name": text|null, "id": uuid|null (the group's id, chosen by the caller; optional)},
--    "items": [{"id": uuid|null (the distribution's id, chosen by the caller so its link can carry it as
--                                  utm_content; optional, distinct across items),
--               "platform_id": uuid, "timezone": IANA|null, "title": text|null, "body": text,
--               "media_urls": [text]|null, "link_url": text|null, "platform_specific": {}|null,
--               "variant_group": text|null, "is_control": bool}]}
-- Output:
--   {"cross_post_group_id": uuid|null,
--    "results": [{"index", "platform_id", "ok": true, "distribution": {id, title, body, scheduled_for (UTC ISO),
--                  scheduled_for_local (local ISO with offset), timezone, calendar_slot {id, date, time_slot,
--                  slot_type}, status, note}}
--              | {"index", "platform_id", "ok": false, "errors": [{"field", "message"}]}]}
-- Errors raised (nothing written): 22023 malformed request (DETAIL: JSON array of {field, message});
-- P0002 client not visible; 42501 caller may not write the client's rows.
-- The items of one platform with the same variant_group (the A/B variants of a platform; otherwise the platform's
-- single item) form a platform group, written in one subtransaction: all of its items are written or none is, and a
-- failed group does not stop the others. Every item of a failed group reports its own errors (an item that was
-- placed but rolled back because a sibling failed says so, field "variant_group").
-- `optimize` looks up to horizon_days ahead (scheduling.find_slot) for the best slot before the next window. A
-- platform whose every slot up to the client's optimize_max_days_ahead is full reports the error on field
-- "optimize" (SQLSTATE SL409), which the API answers 409.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION public.schedule_content(p_request jsonb) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $_$
declare
  v_bad jsonb := '[]';
  v_client_id uuid;
  v_content_priority text;
  v_content_bu text;
  v_content_vertical uuid;
  v_content_id uuid;
  v_content_type text;
  v_vertical_id uuid;
  v_priority text;
  v_mode text;
  v_exact timestamptz;
  v_nearest boolean;
  v_horizon interval;
  v_strategy text;
  v_stagger integer;
  v_items jsonb;
  v_item jsonb;
  v_i integer;
  v_ids uuid[] := '{}';
  v_group record;
  v_group_results jsonb;
  v_group_failed boolean;
  v_saved_first_at timestamptz;
  v_saved_first_index integer;
  v_pid text;
  v_group_id uuid;
  v_results jsonb := '[]';
  v_ok integer := 0;
  v_first_at timestamptz;
  v_first_index integer;
  v_platform record;
  v_tz text;
  v_target timestamptz;
  v_at timestamptz;
  v_reason text;
  v_note text;
  v_variant boolean;
  v_dist_id uuid;
  v_errors jsonb;
  v_state text;
  v_msg text;
  v_constraint text;
  v_column text;
begin
  -- The request as a whole: every bad field, or nothing.
  if jsonb_typeof(p_request) is distinct from 'object' then
    raise exception 'invalid schedule request' using errcode = '22023',
      detail = '[{"field": "", "message": "expected a JSON object"}]';
  end if;
  if not coalesce(scheduling.is_uuid(p_request ->> 'client_id'), false) then
    v_bad := v_bad || jsonb_build_object('field', 'client_id', 'message', 'required uuid');
  else
    v_client_id := (p_request ->> 'client_id')::uuid;
  end if;
  if p_request ->> 'content_id' is not null then
    if not scheduling.is_uuid(p_request ->> 'content_id') then
      v_bad := v_bad || jsonb_build_object('field', 'content_id', 'message', 'expected a uuid');
    else
      v_content_id := (p_request ->> 'content_id')::uuid;
    end if;
  end if;
  if p_request ->> 'vertical_id' is not null then
    if not scheduling.is_uuid(p_request ->> 'vertical_id') then
      v_bad := v_bad || jsonb_build_object('field', 'vertical_id', 'message', 'expected a uuid');
    else
      v_vertical_id := (p_request ->> 'vertical_id')::uuid;
    end if;
  end if;
  v_content_type := coalesce(p_request ->> 'content_type', case when v_content_id is null then 'manual' else 'generated' end);
  if v_content_type not in ('generated', 'manual', 'repurposed', 'curated') then
    v_bad := v_bad || jsonb_build_object('field', 'content_type', 'message', 'expected generated, manual, repurposed or curated');
  end if;
  v_priority := p_request ->> 'priority';
  if v_priority is not null and v_priority not in ('normal', 'high') then
    v_bad := v_bad || jsonb_build_object('field', 'priority', 'message', 'expected normal or high');
  end if;

  v_mode := p_request #>> '{timing,mode}';
  if v_mode = 'exact' then
    if coalesce(p_request #>> '{timing,at}', '') !~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|z|[+-]\d{2}(:?\d{2})?)$' then
      v_bad := v_bad || jsonb_build_object('field', 'timing.at', 'message', 'expected an ISO 8601 time with an offset');
    else
      begin
        v_exact := (p_request #>> '{timing,at}')::timestamptz; -- the offset is explicit: TimeZone does not matter
      exception when others then
        v_bad := v_bad || jsonb_build_object('field', 'timing.at', 'message', sqlerrm);
      end;
    end if;
    v_nearest := coalesce((p_request #>> '{timing,nearest}')::boolean, false);
  elsif v_mode = 'optimize' then
    if p_request #> '{timing,horizon_days}' is not null then
      if coalesce(p_request #>> '{timing,horizon_days}', '') !~ '^[0-9]{1,3}$'
         or (p_request #>> '{timing,horizon_days}')::integer not between 1 and 730 then
        v_bad := v_bad || jsonb_build_object('field', 'timing.horizon_days', 'message', 'expected a whole number of days, 1 to 730');
      else
        v_horizon := make_interval(days => (p_request #>> '{timing,horizon_days}')::integer);
      end if;
    end if;
  elsif v_mode is distinct from 'optimize' then
    v_bad := v_bad || jsonb_build_object('field', 'timing.mode', 'message', 'expected exact or optimize');
  end if;

  if jsonb_typeof(p_request -> 'cross_post') = 'object' then
    v_strategy := coalesce(p_request #>> '{cross_post,strategy}', 'optimized');
    if v_strategy not in ('simultaneous', 'staggered', 'optimized') then
      v_bad := v_bad || jsonb_build_object('field', 'cross_post.strategy', 'message', 'expected simultaneous, staggered or optimized');
    end if;
    if p_request #>> '{cross_post,id}' is not null then
      if not scheduling.is_uuid(p_request #>> '{cross_post,id}') then
        v_bad := v_bad || jsonb_build_object('field', 'cross_post.id', 'message', 'expected a uuid');
      else
        v_group_id := (p_request #>> '{cross_post,id}')::uuid;
      end if;
    end if;
    if p_request #>> '{cross_post,stagger_minutes}' is not null then
      if p_request #>> '{cross_post,stagger_minutes}' !~ '^\d+$' or (p_request #>> '{cross_post,stagger_minutes}')::numeric < 1 then
        v_bad := v_bad || jsonb_build_object('field', 'cross_post.stagger_minutes', 'message', 'expected a positive integer');
      else
        v_stagger := (p_request #>> '{cross_post,stagger_minutes}')::integer;
      end if;
    elsif v_strategy = 'staggered' then
      v_bad := v_bad || jsonb_build_object('field', 'cross_post.stagger_minutes', 'message', 'required for staggered');
    end if;
  elsif p_request -> 'cross_post' is not null and jsonb_typeof(p_request -> 'cross_post') <> 'null' then
    v_bad := v_bad || jsonb_build_object('field', 'cross_post', 'message', 'expected an object or null');
  end if;

  v_items := p_request -> 'items';
  if jsonb_typeof(v_items) is distinct from 'array' or jsonb_array_length(v_items) = 0 then
    v_bad := v_bad || jsonb_build_object('field', 'items', 'message', 'expected a non-empty array');
  else
    for v_i in 0 .. jsonb_array_length(v_items) - 1 loop
      v_item := v_items -> v_i;
      if jsonb_typeof(v_item) is distinct from 'object' then
        v_bad := v_bad || jsonb_build_object('field', format('items.%s', v_i), 'message', 'expected an object');
        continue;
      end if;
      if v_item ->> 'id' is not null then
        if jsonb_typeof(v_item -> 'id') <> 'string' or not scheduling.is_uuid(v_item ->> 'id') then
          v_bad := v_bad || jsonb_build_object('field', format('items.%s.id', v_i), 'message', 'expected a uuid');
        elsif (v_item ->> 'id')::uuid = any (v_ids) then
          v_bad := v_bad || jsonb_build_object('field', format('items.%s.id', v_i), 'message', 'duplicate id');
        else
          v_ids := v_ids || (v_item ->> 'id')::uuid;
        end if;
      end if;
      if not coalesce(scheduling.is_uuid(v_item ->> 'platform_id'), false) then
        v_bad := v_bad || jsonb_build_object('field', format('items.%s.platform_id', v_i), 'message', 'required uuid');
      end if;
      if jsonb_typeof(v_item -> 'body') is distinct from 'string' then
        v_bad := v_bad || jsonb_build_object('field', format('items.%s.body', v_i), 'message', 'required text');
      end if;
      if coalesce(jsonb_typeof(v_item -> 'media_urls'), 'null') not in ('null', 'array') then
        v_bad := v_bad || jsonb_build_object('field', format('items.%s.media_urls', v_i), 'message', 'expected an array of text');
      end if;
      if coalesce(jsonb_typeof(v_item -> 'platform_specific'), 'null') not in ('null', 'object') then
        v_bad := v_bad || jsonb_build_object('field', format('items.%s.platform_specific', v_i), 'message', 'expected an object');
      end if;
      if coalesce(jsonb_typeof(v_item -> 'is_control'), 'null') not in ('null', 'boolean') then
        v_bad := v_bad || jsonb_build_object('field', format('items.%s.is_control', v_i), 'message', 'expected a boolean');
      end if;
    end loop;
  end if;
  if jsonb_array_length(v_bad) > 0 then
    raise exception 'invalid schedule request: %',
      (select string_agg((e ->> 'field') || ': ' || (e ->> 'message'), '; ') from jsonb_array_elements(v_bad) e)
      using errcode = '22023', detail = v_bad::text;
  end if;

  -- The client must be visible, and writable by the caller.
  perform 1 from public.clients c where c.id = v_client_id;
  if not found then
    raise exception 'client % not found', v_client_id using errcode = 'P0002';
  end if;
  if current_user = 'authenticated' and not exists (
       select 1 from public.client_members m
       where m.client_id = v_client_id and m.user_id = (select auth.uid()) and m.role in ('owner', 'editor')) then
    raise exception 'permission denied: only owners and editors of client % can schedule', v_client_id
      using errcode = '42501';
  end if;
  if v_content_id is not null then
    select g.priority, g.business_unit, g.vertical_id into v_content_priority, v_content_bu, v_content_vertical
    from public.generated_content g where g.id = v_content_id and g.client_id = v_client_id;
    if not found then
      raise exception 'invalid schedule request: content_id: not found' using errcode = '22023',
        detail = '[{"field": "content_id", "message": "not found"}]';
    end if;
    v_priority := coalesce(v_priority, v_content_priority);
  end if;
  v_priority := coalesce(v_priority, 'normal');
  if v_vertical_id is not null
     and not exists (select 1 from public.publisher_verticals v where v.id = v_vertical_id and v.client_id = v_client_id) then
    raise exception 'invalid schedule request: vertical_id: not found' using errcode = '22023',
      detail = '[{"field": "vertical_id", "message": "not found"}]';
  end if;

  -- Serialize slot choice per platform (ids in order, so two requests never deadlock); held until commit.
  for v_pid in select distinct (e ->> 'platform_id')::uuid::text from jsonb_array_elements(v_items) e order by 1 loop
    perform pg_advisory_xact_lock(hashtextextended('schedule:' || v_pid, 0));
  end loop;

  if v_strategy is not null
     or (select count(distinct (e ->> 'platform_id')::uuid) from jsonb_array_elements(v_items) e) > 1 then
    v_strategy := coalesce(v_strategy, case when v_mode = 'exact' then 'simultaneous' else 'optimized' end);
    insert into public.cross_post_groups (id, client_id, name, source_content_id, timing_strategy, stagger_minutes)
    values (coalesce(v_group_id, gen_random_uuid()), v_client_id, p_request #>> '{cross_post,name}', v_content_id,
            v_strategy, v_stagger)
    returning id into v_group_id;
  else
    v_group_id := null;
  end if;

  for v_group in
    select array_agg(s.i order by s.i) as indexes
    from (select (t.o - 1)::integer as i, (t.e ->> 'platform_id')::uuid as platform_id,
                 t.e ->> 'variant_group' as variant_group
          from jsonb_array_elements(v_items) with ordinality as t (e, o)) s
    group by s.platform_id, s.variant_group
    order by min(s.i)
  loop
    v_group_results := '[]';
    v_group_failed := false;
    v_saved_first_at := v_first_at;
    v_saved_first_index := v_first_index;
    begin -- the platform group's subtransaction
      foreach v_i in array v_group.indexes loop
        v_item := v_items -> v_i;
        v_errors := '[]';
        v_note := null;
        v_at := null;
        begin -- the item's own, so that each variant's errors are found
          select p.id, p.timezone into v_platform
          from public.platforms p
          where p.id = (v_item ->> 'platform_id')::uuid and p.client_id = v_client_id;
          if not found then
            v_errors := jsonb_build_array(jsonb_build_object('field', 'platform_id', 'message', 'not found'));
          else
            v_tz := coalesce(nullif(v_item ->> 'timezone', ''), v_platform.timezone);
            v_variant := v_item ->> 'variant_group' is not null;
            if v_mode = 'exact' then
              v_target := v_exact + case when v_strategy = 'staggered' then make_interval(mins => v_stagger * v_i)
                                         else interval '0' end;
              v_reason := scheduling.slot_conflict(v_platform.id, v_target, v_tz);
              if v_reason is null then
                v_at := v_target;
              elsif v_nearest then
                v_at := scheduling.nearest_allowed(v_platform.id, v_target, v_tz);
                v_note := format('%s was not allowed (%s); moved to the nearest allowed time',
                                 scheduling.to_utc_iso(v_target), v_reason);
              else
                v_errors := jsonb_build_array(jsonb_build_object('field', 'timing.at', 'message', v_reason));
              end if;
            elsif v_strategy in ('simultaneous', 'staggered') and v_first_at is not null then
              -- Follow the first member; a platform that cannot takes its nearest allowed time.
              v_target := v_first_at + case when v_strategy = 'staggered'
                                            then make_interval(mins => v_stagger * (v_i - v_first_index))
                                            else interval '0' end;
              v_reason := scheduling.slot_conflict(v_platform.id, v_target, v_tz);
              if v_reason is null then
                v_at := v_target;
              else
                v_at := scheduling.nearest_allowed(v_platform.id, v_target, v_tz);
                v_note := format('%s was not allowed (%s); moved to the nearest allowed time',
                                 scheduling.to_utc_iso(v_target), v_reason);
              end if;
            else
              select f.at into v_at
              from scheduling.find_slot(v_platform.id, v_tz, case when v_variant then 'test' else 'regular' end,
                                        null, v_priority, null, v_horizon) f;
            end if;

            if v_at is not null then
              insert into public.distributions (
                id, client_id, content_id, content_type, platform_id, title, body, media_urls, link_url,
                platform_specific, scheduled_for, timezone, status, variant_group, is_control, cross_post_group_id,
                business_unit, vertical_id)
              values (
                coalesce((v_item ->> 'id')::uuid, gen_random_uuid()), v_client_id, v_content_id, v_content_type,
                v_platform.id, v_item ->> 'title', v_item ->> 'body',
                case when jsonb_typeof(v_item -> 'media_urls') = 'array'
                     then array(select jsonb_array_elements_text(v_item -> 'media_urls')) end,
                v_item ->> 'link_url', coalesce(nullif(v_item -> 'platform_specific', 'null'::jsonb), '{}'::jsonb),
                v_at, v_tz, 'scheduled', v_item ->> 'variant_group', coalesce((v_item ->> 'is_control')::boolean, false),
                v_group_id, coalesce(p_request ->> 'business_unit', v_content_bu),
                coalesce(v_vertical_id, v_content_vertical))
              returning id into v_dist_id;
              if v_first_at is null then
                v_first_at := v_at;
                v_first_index := v_i;
              end if;
              v_group_results := v_group_results || jsonb_build_object(
                'index', v_i, 'platform_id', v_platform.id, 'ok', true,
                'distribution', scheduling.distribution_json(v_dist_id, v_note));
            end if;
          end if;
        exception when others then
          get stacked diagnostics v_state = returned_sqlstate, v_msg = message_text,
                                  v_constraint = constraint_name, v_column = column_name;
          v_errors := jsonb_build_array(jsonb_build_object(
            'field', scheduling.error_field(v_state, v_constraint, v_column), 'message', v_msg));
        end;
        if jsonb_array_length(v_errors) > 0 then
          v_group_failed := true;
          v_group_results := v_group_results || jsonb_build_object(
            'index', v_i, 'platform_id', v_item ->> 'platform_id', 'ok', false, 'errors', v_errors);
        end if;
      end loop;
      if v_group_failed then
        raise exception 'platform group failed' using errcode = 'SC001'; -- undoes the group's writes
      end if;
    exception when sqlstate 'SC001' then
      v_first_at := v_saved_first_at;
      v_first_index := v_saved_first_index;
      -- Its writes are undone: an item that had been placed says why it was not scheduled after all.
      select jsonb_agg(case when (r ->> 'ok')::boolean
                            then (r - 'distribution') || jsonb_build_object('ok', false, 'errors', jsonb_build_array(
                                   jsonb_build_object('field', 'variant_group', 'message',
                                     'not scheduled: another variant for this platform failed (the variants of a '
                                     || 'platform are scheduled together or not at all)')))
                            else r end
                       order by (r ->> 'index')::integer)
        into v_group_results
      from jsonb_array_elements(v_group_results) r;
    end;
    v_ok := v_ok + (select count(*)::integer from jsonb_array_elements(v_group_results) r where (r ->> 'ok')::boolean);
    v_results := v_results || v_group_results;
  end loop;

  if v_group_id is not null and v_ok = 0 then
    delete from public.cross_post_groups where id = v_group_id;
    v_group_id := null;
  end if;

  return jsonb_build_object('cross_post_group_id', v_group_id, 'results',
    (select coalesce(jsonb_agg(r order by (r ->> 'index')::integer), '[]') from jsonb_array_elements(v_results) r));
end
$_$;

COMMENT ON FUNCTION public.schedule_content(p_request jsonb) IS 'Schedules content onto platforms in one transaction (the JSON contract is in supabase/schemas/210_schedule_content.sql): each item gets the best allowed slot (or its exact time, or the nearest allowed one), or its errors; the items of one platform and variant_group (A/B variants) are written together or not at all.';

REVOKE ALL ON FUNCTION public.schedule_content(p_request jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION public.schedule_content(p_request jsonb) TO authenticated;
GRANT ALL ON FUNCTION public.schedule_content(p_request jsonb) TO service_role;

CREATE FUNCTION scheduling.distribution_json(p_id uuid, p_note text DEFAULT NULL::text) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select jsonb_build_object(
    'id', d.id,
    'title', d.title,
    'body', d.body,
    'scheduled_for', scheduling.to_utc_iso(d.scheduled_for),
    'scheduled_for_local', scheduling.to_local_iso(d.scheduled_for, d.timezone),
    'timezone', d.timezone,
    'calendar_slot', (
      select jsonb_build_object('id', c.id, 'date', c.date, 'time_slot', c.time_slot, 'slot_type', c.slot_type)
      from public.publishing_calendar c where c.distribution_id = d.id order by c.id limit 1),
    'status', d.status,
    'note', p_note)
  from public.distributions d
  where d.id = p_id
$$;

REVOKE ALL ON FUNCTION scheduling.distribution_json(p_id uuid, p_note text) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.distribution_json(p_id uuid, p_note text) TO authenticated;
GRANT ALL ON FUNCTION scheduling.distribution_json(p_id uuid, p_note text) TO service_role;

CREATE FUNCTION scheduling.error_field(p_sqlstate text, p_constraint text, p_column text) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $_$
  select case
    when p_sqlstate = '42501' then 'client_id'
    when p_sqlstate = 'SL409' then 'optimize'
    when p_constraint = 'distributions_pkey' then 'id'
    when p_sqlstate in ('23505', 'P0001') then 'timing'
    when p_column is not null and p_column <> '' then p_column
    when p_constraint like '%timezone%' then 'timezone'
    when p_constraint like '%vertical%' then 'vertical_id'
    when p_constraint like '%content_fkey%' then 'content_id'
    when p_constraint like '%platform%' then 'platform_id'
    when p_constraint like '%cross_post_group%' then 'cross_post'
    when p_constraint ~ '^distributions_.+_check$' then regexp_replace(p_constraint, '^distributions_(.+)_check$', '\1')
    else 'item'
  end
$_$;

REVOKE ALL ON FUNCTION scheduling.error_field(p_sqlstate text, p_constraint text, p_column text) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.error_field(p_sqlstate text, p_constraint text, p_column text) TO authenticated;
GRANT ALL ON FUNCTION scheduling.error_field(p_sqlstate text, p_constraint text, p_column text) TO service_role;

CREATE FUNCTION scheduling.is_uuid(p_text text) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $_$
  select p_text ~* '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$'
$_$;

REVOKE ALL ON FUNCTION scheduling.is_uuid(p_text text) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.is_uuid(p_text text) TO authenticated;
GRANT ALL ON FUNCTION scheduling.is_uuid(p_text text) TO service_role;

CREATE FUNCTION scheduling.slot_types_for(p_variant boolean, p_priority text) RETURNS text[]
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
  select case when p_variant then array['test', 'regular']
              when p_priority = 'high' then array['prime', 'regular']
              else array['regular'] end
$$;

REVOKE ALL ON FUNCTION scheduling.slot_types_for(p_variant boolean, p_priority text) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.slot_types_for(p_variant boolean, p_priority text) TO authenticated;
GRANT ALL ON FUNCTION scheduling.slot_types_for(p_variant boolean, p_priority text) TO service_role;

-- ==== supabase/schemas/220_distribution_actions.sql

-- What a member may do to a distribution: cancel, reschedule, retry, publish now.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION public.cancel_distribution(p_id uuid) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_row public.distributions;
begin
  v_row := scheduling.lock_distribution(p_id);
  if v_row.status not in ('scheduled', 'failed', 'cancelled') then
    perform scheduling.refuse_transition(v_row, 'cancelled', 'cancel');
  end if;
  update public.distributions set status = 'cancelled', next_attempt_at = null where id = p_id;
  return jsonb_build_object('ok', true, 'distribution', scheduling.distribution_json(p_id));
end
$$;

COMMENT ON FUNCTION public.cancel_distribution(p_id uuid) IS 'Cancels a scheduled or failed distribution and frees its slot.';

REVOKE ALL ON FUNCTION public.cancel_distribution(p_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.cancel_distribution(p_id uuid) TO authenticated;
GRANT ALL ON FUNCTION public.cancel_distribution(p_id uuid) TO service_role;

CREATE FUNCTION public.publish_distribution_now(p_id uuid) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_row public.distributions;
  v_reason text;
begin
  v_row := scheduling.lock_distribution(p_id);
  if v_row.status not in ('draft', 'scheduled') then
    perform scheduling.refuse_transition(v_row, 'scheduled', 'publish now');
  end if;
  v_reason := scheduling.slot_conflict(v_row.platform_id, now(), v_row.timezone, v_row.id);
  if v_reason is not null then
    return jsonb_build_object('ok', false, 'errors',
                              jsonb_build_array(jsonb_build_object('field', 'scheduled_for', 'message', v_reason)));
  end if;
  update public.distributions
     set status = 'scheduled', scheduled_for = now(), next_attempt_at = null
   where id = p_id;
  return jsonb_build_object('ok', true, 'distribution', scheduling.distribution_json(p_id));
end
$$;

COMMENT ON FUNCTION public.publish_distribution_now(p_id uuid) IS 'Schedules a draft or scheduled distribution for now, if the platform''s limits allow it.';

REVOKE ALL ON FUNCTION public.publish_distribution_now(p_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.publish_distribution_now(p_id uuid) TO authenticated;
GRANT ALL ON FUNCTION public.publish_distribution_now(p_id uuid) TO service_role;

CREATE FUNCTION public.reschedule_distribution(p_id uuid, p_at timestamp with time zone DEFAULT NULL::timestamp with time zone, p_nearest boolean DEFAULT false, p_horizon_days integer DEFAULT NULL::integer) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_row public.distributions;
  v_at timestamptz;
  v_reason text;
  v_note text;
begin
  v_row := scheduling.lock_distribution(p_id);
  if v_row.status not in ('draft', 'scheduled', 'failed') then
    perform scheduling.refuse_transition(v_row, 'scheduled', 'reschedule');
  end if;
  if p_at is null then
    select f.at into v_at
    from scheduling.find_slot(v_row.platform_id, v_row.timezone,
                              case when v_row.variant_group is not null then 'test' else 'regular' end,
                              null, scheduling.distribution_priority(v_row), v_row.id,
                              make_interval(days => p_horizon_days)) f;
  else
    v_reason := scheduling.slot_conflict(v_row.platform_id, p_at, v_row.timezone, v_row.id);
    if v_reason is null then
      v_at := p_at;
    elsif p_nearest then
      v_at := scheduling.nearest_allowed(v_row.platform_id, p_at, v_row.timezone, v_row.id);
      v_note := format('%s was not allowed (%s); moved to the nearest allowed time', scheduling.to_utc_iso(p_at), v_reason);
    else
      return jsonb_build_object('ok', false, 'errors',
                                jsonb_build_array(jsonb_build_object('field', 'at', 'message', v_reason)));
    end if;
  end if;
  update public.distributions
     set status = 'scheduled', scheduled_for = v_at, next_attempt_at = null
   where id = p_id;
  return jsonb_build_object('ok', true, 'distribution', scheduling.distribution_json(p_id, v_note));
end
$$;

COMMENT ON FUNCTION public.reschedule_distribution(p_id uuid, p_at timestamp with time zone, p_nearest boolean, p_horizon_days integer) IS 'Moves a draft, scheduled or failed distribution to p_at (refused with the reason unless p_nearest), or to the best allowed slot when p_at is null.';

REVOKE ALL ON FUNCTION public.reschedule_distribution(p_id uuid, p_at timestamp with time zone, p_nearest boolean, p_horizon_days integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.reschedule_distribution(p_id uuid, p_at timestamp with time zone, p_nearest boolean, p_horizon_days integer) TO authenticated;
GRANT ALL ON FUNCTION public.reschedule_distribution(p_id uuid, p_at timestamp with time zone, p_nearest boolean, p_horizon_days integer) TO service_role;

CREATE FUNCTION public.retry_distribution(p_id uuid) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_row public.distributions;
  v_at timestamptz;
  v_reason text;
  v_note text;
begin
  v_row := scheduling.lock_distribution(p_id);
  if v_row.status <> 'failed' then
    perform scheduling.refuse_transition(v_row, 'scheduled', 'retry');
  end if;
  v_reason := scheduling.slot_conflict(v_row.platform_id, now(), v_row.timezone, v_row.id);
  if v_reason is null then
    v_at := now();
  else
    v_at := scheduling.nearest_allowed(v_row.platform_id, now(), v_row.timezone, v_row.id);
    v_note := format('not allowed now (%s); retrying at the next allowed time', v_reason);
  end if;
  update public.distributions
     set status = 'scheduled', scheduled_for = v_at, next_attempt_at = null, retry_count = 0, error_message = null
   where id = p_id;
  return jsonb_build_object('ok', true, 'distribution', scheduling.distribution_json(p_id, v_note));
end
$$;

COMMENT ON FUNCTION public.retry_distribution(p_id uuid) IS 'Reschedules a failed distribution now, or at the next allowed time.';

REVOKE ALL ON FUNCTION public.retry_distribution(p_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.retry_distribution(p_id uuid) TO authenticated;
GRANT ALL ON FUNCTION public.retry_distribution(p_id uuid) TO service_role;

CREATE FUNCTION scheduling.distribution_priority(p_row public.distributions) RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select case when exists (select 1 from public.publishing_calendar c
                           where c.distribution_id = p_row.id and c.slot_type = 'prime')
                or exists (select 1 from public.generated_content g
                           where g.id = p_row.content_id and g.priority = 'high')
              then 'high' else 'normal' end
$$;

REVOKE ALL ON FUNCTION scheduling.distribution_priority(p_row public.distributions) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.distribution_priority(p_row public.distributions) TO authenticated;
GRANT ALL ON FUNCTION scheduling.distribution_priority(p_row public.distributions) TO service_role;

CREATE FUNCTION scheduling.lock_distribution(p_id uuid) RETURNS public.distributions
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_row public.distributions;
begin
  select * into v_row from public.distributions d where d.id = p_id;
  if not found then
    raise exception 'distribution % not found', p_id using errcode = 'P0002';
  end if;
  perform pg_advisory_xact_lock(hashtextextended('schedule:' || v_row.platform_id::text, 0));
  select * into v_row from public.distributions d where d.id = p_id for update;
  if not found then
    raise exception 'permission denied: only owners and editors can change distribution %', p_id
      using errcode = '42501';
  end if;
  return v_row;
end
$$;

REVOKE ALL ON FUNCTION scheduling.lock_distribution(p_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.lock_distribution(p_id uuid) TO authenticated;
GRANT ALL ON FUNCTION scheduling.lock_distribution(p_id uuid) TO service_role;

CREATE FUNCTION scheduling.refuse_transition(p_row public.distributions, p_to text, p_action text) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  raise exception 'cannot % distribution %: illegal status change % -> %', p_action, p_row.id, p_row.status, p_to
    using errcode = '55000';
end
$$;

REVOKE ALL ON FUNCTION scheduling.refuse_transition(p_row public.distributions, p_to text, p_action text) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.refuse_transition(p_row public.distributions, p_to text, p_action text) TO authenticated;
GRANT ALL ON FUNCTION scheduling.refuse_transition(p_row public.distributions, p_to text, p_action text) TO service_role;

-- ==== supabase/schemas/230_distribution_requests.sql

-- Distribution requests: content ready for distribution queues a request that the processor claims.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TABLE public.distribution_requests (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    content_id uuid NOT NULL,
    requested_at timestamp with time zone DEFAULT now() NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    claimed_at timestamp with time zone,
    result jsonb,
    error text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT distribution_requests_attempts_check CHECK ((attempts >= 0)),
    CONSTRAINT distribution_requests_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'processing'::text, 'done'::text, 'failed'::text])))
);

COMMENT ON TABLE public.distribution_requests IS 'Durable requests to distribute a generated_content row that became ready_for_distribution; processed by the process-distribution-requests edge function. The outcome per platform is kept in result.';

COMMENT ON COLUMN public.distribution_requests.status IS 'pending (waiting) -> processing (claimed; reclaimed after 5 minutes) -> done | failed.';

COMMENT ON COLUMN public.distribution_requests.attempts IS 'Times the request has been claimed; given up after 5.';

COMMENT ON COLUMN public.distribution_requests.claimed_at IS 'When the current claim was taken (status processing).';

COMMENT ON COLUMN public.distribution_requests.result IS 'The schedule_content output: per-platform distributions or errors.';

COMMENT ON COLUMN public.distribution_requests.error IS 'Why the request failed as a whole.';

ALTER TABLE ONLY public.distribution_requests
    ADD CONSTRAINT distribution_requests_pkey PRIMARY KEY (id);

CREATE INDEX idx_distribution_requests_client ON public.distribution_requests USING btree (client_id);

CREATE INDEX idx_distribution_requests_content ON public.distribution_requests USING btree (content_id);

CREATE INDEX idx_distribution_requests_open ON public.distribution_requests USING btree (requested_at) WHERE (status = ANY (ARRAY['pending'::text, 'processing'::text]));

CREATE INDEX idx_distribution_requests_finished ON public.distribution_requests USING btree (updated_at) WHERE (status = ANY (ARRAY['done'::text, 'failed'::text]));

ALTER TABLE public.distribution_requests ENABLE ROW LEVEL SECURITY;

CREATE POLICY distribution_requests_select ON public.distribution_requests FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

GRANT SELECT ON TABLE public.distribution_requests TO authenticated;
GRANT ALL ON TABLE public.distribution_requests TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.distribution_requests FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

ALTER TABLE ONLY public.distribution_requests
    ADD CONSTRAINT distribution_requests_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.distribution_requests
    ADD CONSTRAINT distribution_requests_content_fkey FOREIGN KEY (content_id, client_id) REFERENCES public.generated_content(id, client_id) ON DELETE CASCADE;

CREATE FUNCTION private.claim_distribution_requests(p_limit integer) RETURNS SETOF public.distribution_requests
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  with given_up as (
    update public.distribution_requests r
       set status = 'failed', error = format('gave up after %s attempts', r.attempts), claimed_at = null
     where r.status = 'processing' and r.claimed_at < now() - interval '5 minutes' and r.attempts >= 5
    returning r.content_id
  )
  update public.generated_content g set status = 'failed'
  from given_up where g.id = given_up.content_id and g.status in ('ready_for_distribution', 'distributing');

  return query
  with picked as (
    select r.id from public.distribution_requests r
    where r.status = 'pending'
       or (r.status = 'processing' and r.claimed_at < now() - interval '5 minutes' and r.attempts < 5)
    order by r.requested_at, r.id
    limit p_limit
    for update skip locked
  ), claimed as (
    update public.distribution_requests r
       set status = 'processing', attempts = r.attempts + 1, claimed_at = now()
      from picked where r.id = picked.id
    returning r.*
  ), content as (
    update public.generated_content g set status = 'distributing'
      from claimed c where g.id = c.content_id and g.status = 'ready_for_distribution'
  )
  select * from claimed;
end
$$;

COMMENT ON FUNCTION private.claim_distribution_requests(p_limit integer) IS 'Claims pending (and stale processing) distribution requests for the processor: status processing, attempts + 1.';

REVOKE ALL ON FUNCTION private.claim_distribution_requests(p_limit integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.claim_distribution_requests(p_limit integer) TO service_role;

CREATE FUNCTION private.finish_distribution_request(p_id uuid, p_status text, p_result jsonb, p_error text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_content_id uuid;
begin
  if p_status not in ('done', 'failed', 'pending') then
    raise exception 'finish_distribution_request: status must be done, failed or pending, not %', p_status
      using errcode = '22023';
  end if;
  update public.distribution_requests
     set status = p_status, result = coalesce(p_result, result), error = p_error,
         claimed_at = case when p_status = 'pending' then null else claimed_at end
   where id = p_id
  returning content_id into v_content_id;
  if not found then
    raise exception 'distribution request % not found', p_id using errcode = 'P0002';
  end if;
  if p_status <> 'pending' then
    update public.generated_content
       set status = case p_status when 'done' then 'distributed' else 'failed' end
     where id = v_content_id and status in ('ready_for_distribution', 'distributing');
  end if;
end
$$;

COMMENT ON FUNCTION private.finish_distribution_request(p_id uuid, p_status text, p_result jsonb, p_error text) IS 'Records a distribution request''s outcome (done | failed | pending to retry later) and moves the content''s status.';

REVOKE ALL ON FUNCTION private.finish_distribution_request(p_id uuid, p_status text, p_result jsonb, p_error text) FROM PUBLIC;
GRANT ALL ON FUNCTION private.finish_distribution_request(p_id uuid, p_status text, p_result jsonb, p_error text) TO service_role;

-- ==== supabase/schemas/240_publishing_queue.sql

-- The publishing queue: attempts, per-platform send budgets and the outcomes the publisher records.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TABLE public.distribution_attempts (
    id uuid NOT NULL,
    distribution_id uuid NOT NULL,
    client_id uuid NOT NULL,
    platform_id uuid NOT NULL,
    kind text DEFAULT 'publish'::text NOT NULL,
    started_at timestamp with time zone DEFAULT now() NOT NULL,
    finished_at timestamp with time zone DEFAULT now() NOT NULL,
    outcome text NOT NULL,
    http_status integer,
    error_message text,
    external_id text,
    CONSTRAINT distribution_attempts_kind_check CHECK ((kind = ANY (ARRAY['publish'::text, 'handoff'::text]))),
    CONSTRAINT distribution_attempts_outcome_check CHECK ((outcome = ANY (ARRAY['published'::text, 'handed_off'::text, 'declined'::text, 'transient'::text, 'rate_limited'::text, 'permanent'::text, 'auth'::text, 'unknown'::text, 'found'::text, 'absent'::text, 'unconfirmed'::text, 'released'::text, 'unsettled'::text])))
);

COMMENT ON TABLE public.distribution_attempts IS 'Every publish attempt and its outcome, written with the batch that recorded it; an attempt whose worker died is written as unknown when its row is reclaimed. Unknown attempts are looked up on the platform before the row is ever sent again.';

COMMENT ON COLUMN public.distribution_attempts.outcome IS 'published; handed_off / declined (native scheduling); transient | rate_limited | permanent | auth (classified failures); unknown (sent, no answer); found / absent (reconciled with the platform); unconfirmed (cannot be asked: a person decides); released (not sent: the worker''s send window closed first); unsettled (not sent: an earlier unknown attempt could not be reconciled yet, and is asked about again later).';

ALTER TABLE ONLY public.distribution_attempts
    ADD CONSTRAINT distribution_attempts_pkey PRIMARY KEY (id);

CREATE INDEX idx_distribution_attempts_distribution ON public.distribution_attempts USING btree (distribution_id);

CREATE INDEX idx_distribution_attempts_client ON public.distribution_attempts USING btree (client_id);

CREATE INDEX idx_distribution_attempts_unknown ON public.distribution_attempts USING btree (distribution_id) WHERE (outcome = 'unknown'::text);

CREATE INDEX idx_distribution_attempts_platform_errors ON public.distribution_attempts USING btree (platform_id, finished_at) WHERE ((outcome = ANY (ARRAY['transient'::text, 'rate_limited'::text, 'permanent'::text, 'auth'::text, 'unknown'::text])) OR ((outcome = 'unsettled'::text) AND (http_status IS NOT NULL)));

CREATE INDEX idx_distribution_attempts_finished ON public.distribution_attempts USING btree (finished_at);

ALTER TABLE public.distribution_attempts ENABLE ROW LEVEL SECURITY;

CREATE POLICY distribution_attempts_select ON public.distribution_attempts FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

GRANT SELECT ON TABLE public.distribution_attempts TO authenticated;
GRANT ALL ON TABLE public.distribution_attempts TO service_role;

ALTER TABLE ONLY public.distribution_attempts
    ADD CONSTRAINT distribution_attempts_distribution_fkey FOREIGN KEY (distribution_id, client_id) REFERENCES public.distributions(id, client_id) ON DELETE CASCADE;

CREATE FUNCTION private.lock_platforms(p_ids uuid[]) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select null from (
    select 1 from public.platforms where id = any (p_ids) order by id for no key update
  ) locked
$$;

REVOKE ALL ON FUNCTION private.lock_platforms(p_ids uuid[]) FROM PUBLIC;

CREATE FUNCTION private.next_publish_due() RETURNS timestamp with time zone
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select min(least(s.due, l.lapsed))
  from public.platforms p
  left join lateral (
    select coalesce(d.next_attempt_at, d.scheduled_for) as due from public.distributions d
    where d.platform_id = p.id and d.status = 'scheduled'
    order by coalesce(d.next_attempt_at, d.scheduled_for) limit 1
  ) s on true
  left join lateral (
    select d.lease_expires_at as lapsed from public.distributions d
    where d.platform_id = p.id and d.status = 'publishing'
    order by d.lease_expires_at limit 1
  ) l on true
$$;

REVOKE ALL ON FUNCTION private.next_publish_due() FROM PUBLIC;
GRANT ALL ON FUNCTION private.next_publish_due() TO service_role;

CREATE FUNCTION private.publish_budget(p_platform_id uuid) RETURNS integer
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  p record;
  v_in_flight integer;
  v_hour integer;
  v_day integer;
  v_last_published timestamptz;
begin
  select pl.posts_per_hour, pl.posts_per_day, coalesce(pl.min_interval_minutes, 0) as min_interval
    into p from public.platforms pl where pl.id = p_platform_id;
  if not found then
    return 0;
  end if;
  if p.posts_per_hour is null and p.posts_per_day is null and p.min_interval = 0 then
    return 2147483647;
  end if;
  select count(*) into v_in_flight
  from public.distributions where platform_id = p_platform_id and status = 'publishing';
  select count(*) filter (where published_at > now() - interval '1 hour'), count(*)
    into v_hour, v_day
  from public.distributions
  where platform_id = p_platform_id and status = 'published' and published_at > now() - interval '24 hours';
  select max(published_at) into v_last_published
  from public.distributions where platform_id = p_platform_id and status = 'published';
  return greatest(0, least(
    coalesce(p.posts_per_hour - v_hour - v_in_flight, 2147483647),
    coalesce(p.posts_per_day - v_day - v_in_flight, 2147483647),
    case
      when p.min_interval = 0 then 2147483647
      when v_in_flight > 0 then 0
      when v_last_published > now() - make_interval(mins => p.min_interval) then 0
      else 1
    end
  ));
end
$$;

COMMENT ON FUNCTION private.publish_budget(p_platform_id uuid) IS 'Posts the platform may take right now under its rate limits (published and in-flight rows count).';

REVOKE ALL ON FUNCTION private.publish_budget(p_platform_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION private.publish_budget(p_platform_id uuid) TO service_role;

CREATE FUNCTION private.record_publish_outcomes(p_outcomes jsonb) RETURNS SETOF uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_platforms uuid[];
  v_groups uuid[];
begin
  select array_agg(distinct d.platform_id),
         coalesce(array_agg(distinct d.cross_post_group_id) filter (where d.cross_post_group_id is not null), '{}')
    into v_platforms, v_groups
  from public.distributions d
  where d.id in (select (e ->> 'id')::uuid from jsonb_array_elements(p_outcomes) e);
  -- Triggers on distributions lock each member's cross-post group. Locking them all first, in id order,
  -- keeps two concurrent batches with members of the same groups from deadlocking.
  perform 1 from public.cross_post_groups g where g.id = any (v_groups) order by g.id for update;
  perform private.lock_platforms(v_platforms);

  return query
  with first_sync as materialized (
    -- one metrics_sync_policy lookup per platform, not per row
    select p.id as platform_id, private.metrics_sync_interval(p.id, p.client_id, interval '0') as first_sync
    from public.platforms p
    where p.id = any (v_platforms)
  ), decided as (
    -- only outcomes from the worker that still holds the row (same attempt, still publishing)
    select r.*, p.paused_until, d.retry_count, d.platform_id, d.attempt_started_at as started_at,
      case when d.attempt_started_at < d.scheduled_for then 'handoff' else 'publish' end as kind,
      private.config_integer(p.publish_config, 'max_attempts', 5, 1, 100) as max_attempts,
      -- exponential backoff with full jitter in [0.5, 1.5) of the step, capped
      least(private.config_number(p.publish_config, 'retry_base_seconds', 30, 0, 86400) * power(2, d.retry_count),
            private.config_number(p.publish_config, 'retry_max_seconds', 3600, 0, 604800)) * (0.5 + random()) as backoff,
      private.config_number(p.publish_config, 'reconcile_after_seconds', 60, 0, 86400) as reconcile_after,
      -- when a post published now is first read for metrics (as private.schedule_metrics_sync would set it)
      case when r.outcome = 'published' and r.external_id is not null then
        case when d.metrics_synced_at is null
             then coalesce(r.published_at, now()) + f.first_sync
             else private.metrics_next_sync_at(d.platform_id, d.client_id, coalesce(r.published_at, now()),
                                               d.metrics_synced_at) end
      end as metrics_next_sync_at
    from jsonb_to_recordset(p_outcomes) as r(
      id uuid, attempt_id uuid, outcome text, external_id text, external_url text, published_at timestamptz,
      message text, http_status integer, reset_at timestamptz, resolved_attempts jsonb, error_class text)
    join public.distributions d on d.id = r.id and d.attempt_id = r.attempt_id and d.status = 'publishing'
    join public.platforms p on p.id = d.platform_id
    join first_sync f on f.platform_id = d.platform_id
  ), updated as (
    update public.distributions d set
      status = case
        when x.outcome = 'published' then 'published'
        when x.outcome in ('handed_off', 'declined') then 'scheduled'
        when x.outcome in ('permanent', 'auth') then 'failed'
        when x.outcome = 'unconfirmed' then 'unconfirmed'
        when x.outcome = 'transient' and x.retry_count + 1 >= x.max_attempts then 'failed'
        when x.outcome in ('transient', 'rate_limited', 'released') then 'scheduled'
        else 'publishing' -- unknown, unsettled: keep the lease until it is reconciled
      end,
      published_at = case when x.outcome = 'published' then coalesce(x.published_at, now()) else d.published_at end,
      external_id = case when x.outcome in ('published', 'handed_off') then x.external_id else d.external_id end,
      external_url = case when x.outcome in ('published', 'handed_off') then x.external_url else d.external_url end,
      native_state = case when x.outcome in ('handed_off', 'declined') then x.outcome else d.native_state end,
      native_attempt_id = case when x.outcome = 'handed_off' then x.attempt_id else d.native_attempt_id end,
      error_message = case
        when x.outcome in ('published', 'handed_off') then null
        when x.outcome = 'declined'
          then format('native scheduling declined (%s), sending at the due time instead', x.message)
        when x.outcome = 'transient' and x.retry_count + 1 >= x.max_attempts
          then format('gave up after %s attempts: %s', x.retry_count + 1, x.message)
        else x.message
      end,
      retry_count = d.retry_count + case when x.outcome = 'transient' then 1 else 0 end,
      -- never before scheduled_for: a row whose hand-off failed is not due early
      next_attempt_at = case
        when x.outcome = 'transient' then greatest(now() + make_interval(secs => x.backoff::double precision),
                                                     x.paused_until, x.reset_at, d.scheduled_for)
        when x.outcome = 'rate_limited' then greatest(x.reset_at, now(), d.scheduled_for)
        else null
      end,
      lease_expires_at = case
        when x.outcome in ('unknown', 'unsettled')
          then now() + make_interval(secs => x.reconcile_after::double precision)
        else null
      end,
      attempt_id = case when x.outcome in ('unknown', 'unsettled') then d.attempt_id else null end,
      attempt_started_at = case when x.outcome in ('unknown', 'unsettled') then d.attempt_started_at else null end,
      metrics_next_sync_at = x.metrics_next_sync_at,
      metrics_lease_until = null
    from decided x
    where d.id = x.id
    returning d.id, d.client_id, d.platform_id, d.status, x.outcome, coalesce(x.error_class, x.outcome) as effect,
              x.attempt_id, x.message, x.http_status, x.external_id, x.reset_at, x.kind, x.started_at
  ), attempts as (
    insert into public.distribution_attempts
      (id, distribution_id, client_id, platform_id, kind, started_at, finished_at, outcome, error_message,
       http_status, external_id)
    select u.attempt_id, u.id, u.client_id, u.platform_id, u.kind, u.started_at, now(), u.outcome, u.message,
           u.http_status, u.external_id
    from updated u
    on conflict (id) do update set outcome = excluded.outcome, finished_at = excluded.finished_at,
      error_message = excluded.error_message, http_status = excluded.http_status, external_id = excluded.external_id
  ), resolved as (
    update public.distribution_attempts a set outcome = r.outcome, finished_at = coalesce(a.finished_at, now())
    from decided x, jsonb_to_recordset(coalesce(x.resolved_attempts, '[]'::jsonb)) as r(id uuid, outcome text)
    where a.id = r.id and a.distribution_id = x.id
  ), platform_changes as (
    select u.platform_id,
           max(now()) filter (where u.outcome = 'published') as published,
           max(u.reset_at) filter (where u.effect = 'rate_limited') as pause,
           (array_agg(u.message) filter (where u.effect = 'auth'))[1] as auth_message
    from updated u group by u.platform_id
  ), platforms_updated as (
    update public.platforms p set
      last_published_at = greatest(p.last_published_at, c.published),
      paused_until = case when c.pause is not null then greatest(p.paused_until, c.pause) else p.paused_until end,
      pause_reason = case when c.pause is not null then 'rate limited by the platform' else p.pause_reason end,
      needs_reconnection = p.needs_reconnection or c.auth_message is not null,
      reconnection_reason = coalesce(c.auth_message, p.reconnection_reason)
    from platform_changes c
    where p.id = c.platform_id
      and (c.published is not null or c.pause is not null or c.auth_message is not null)
  )
  select u.id from updated u;
end
$$;

COMMENT ON FUNCTION private.record_publish_outcomes(p_outcomes jsonb) IS 'Applies a batch of publish outcomes in one statement (statuses, retries with backoff, platform pause and reconnection flag). Ignores outcomes from workers that lost their lease.';

REVOKE ALL ON FUNCTION private.record_publish_outcomes(p_outcomes jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION private.record_publish_outcomes(p_outcomes jsonb) TO service_role;

CREATE FUNCTION private.refresh_api_error_counts() RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  -- Best effort: a platform row another transaction holds is refreshed by the next run.
  update public.platforms p set api_errors_24h = c.n
  from (
    select p2.id, (select count(*) from public.distribution_attempts a
                    where a.platform_id = p2.id and a.finished_at > now() - interval '24 hours'
                      and (a.outcome in ('transient', 'rate_limited', 'permanent', 'auth', 'unknown')
                           or (a.outcome = 'unsettled' and a.http_status is not null)))::integer as n
    from public.platforms p2
    where p2.id in (select id from public.platforms order by id for no key update skip locked)
  ) c
  where p.id = c.id and p.api_errors_24h is distinct from c.n
$$;

REVOKE ALL ON FUNCTION private.refresh_api_error_counts() FROM PUBLIC;
GRANT ALL ON FUNCTION private.refresh_api_error_counts() TO service_role;

-- ==== supabase/schemas/260_outbound_webhooks.sql

-- Outbound webhooks: the endpoints a client registers and the deliveries queued for them.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TABLE public.webhook_deliveries (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    endpoint_id uuid NOT NULL,
    distribution_id uuid,
    event text NOT NULL,
    payload jsonb NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    lease_expires_at timestamp with time zone,
    last_status_code integer,
    last_error text,
    delivered_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT webhook_deliveries_attempts_check CHECK ((attempts >= 0)),
    CONSTRAINT webhook_deliveries_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'delivering'::text, 'delivered'::text, 'failed'::text])))
);

COMMENT ON TABLE public.webhook_deliveries IS 'One notification to one endpoint, and its delivery record: attempts, last HTTP status, error, delivered_at.';

ALTER TABLE ONLY public.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (id);

CREATE INDEX idx_webhook_deliveries_due ON public.webhook_deliveries USING btree (next_attempt_at) WHERE (status = 'pending'::text);

CREATE INDEX idx_webhook_deliveries_leases ON public.webhook_deliveries USING btree (lease_expires_at) WHERE (status = 'delivering'::text);

CREATE INDEX idx_webhook_deliveries_client ON public.webhook_deliveries USING btree (client_id);

CREATE INDEX idx_webhook_deliveries_endpoint ON public.webhook_deliveries USING btree (endpoint_id);

CREATE INDEX idx_webhook_deliveries_distribution ON public.webhook_deliveries USING btree (distribution_id);

CREATE INDEX idx_webhook_deliveries_finished ON public.webhook_deliveries USING btree (updated_at) WHERE (status = ANY (ARRAY['delivered'::text, 'failed'::text]));

ALTER TABLE public.webhook_deliveries ENABLE ROW LEVEL SECURITY;

CREATE POLICY webhook_deliveries_select ON public.webhook_deliveries FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

GRANT SELECT ON TABLE public.webhook_deliveries TO authenticated;
GRANT ALL ON TABLE public.webhook_deliveries TO service_role;

CREATE TRIGGER webhook_deliveries_updated_at BEFORE UPDATE ON public.webhook_deliveries FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

CREATE TABLE public.webhook_endpoints (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    url text NOT NULL,
    events text[] DEFAULT ARRAY['distribution.published'::text, 'distribution.failed'::text, 'distribution.unconfirmed'::text] NOT NULL,
    secret text DEFAULT encode(extensions.gen_random_bytes(32), 'hex'::text) NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    description text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT webhook_endpoints_events_check CHECK (((events <@ ARRAY['distribution.published'::text, 'distribution.failed'::text, 'distribution.unconfirmed'::text]) AND (cardinality(events) > 0))),
    CONSTRAINT webhook_endpoints_secret_check CHECK ((length(secret) >= 32)),
    CONSTRAINT webhook_endpoints_url_check CHECK ((url ~ '^https?://'::text))
);

COMMENT ON TABLE public.webhook_endpoints IS 'URLs a client wants told about its distributions (published, failed, unconfirmed).';

COMMENT ON COLUMN public.webhook_endpoints.secret IS 'Signing secret: each delivery carries X-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under this secret>. Generated on insert; shown once by public.create_webhook_endpoint and by public.rotate_webhook_secret (owners); no signed-in user can select it.';

ALTER TABLE ONLY public.webhook_endpoints
    ADD CONSTRAINT webhook_endpoints_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.webhook_endpoints
    ADD CONSTRAINT webhook_endpoints_id_client_key UNIQUE (id, client_id);

CREATE INDEX idx_webhook_endpoints_client ON public.webhook_endpoints USING btree (client_id) WHERE is_active;

ALTER TABLE public.webhook_endpoints ENABLE ROW LEVEL SECURITY;

CREATE POLICY webhook_endpoints_delete ON public.webhook_endpoints FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY webhook_endpoints_insert ON public.webhook_endpoints FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY webhook_endpoints_select ON public.webhook_endpoints FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY webhook_endpoints_update ON public.webhook_endpoints FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT DELETE ON TABLE public.webhook_endpoints TO authenticated;
GRANT ALL ON TABLE public.webhook_endpoints TO service_role;

GRANT SELECT(id),INSERT(id) ON TABLE public.webhook_endpoints TO authenticated;

GRANT SELECT(client_id),INSERT(client_id) ON TABLE public.webhook_endpoints TO authenticated;

GRANT SELECT(url),INSERT(url),UPDATE(url) ON TABLE public.webhook_endpoints TO authenticated;

GRANT SELECT(events),INSERT(events),UPDATE(events) ON TABLE public.webhook_endpoints TO authenticated;

GRANT SELECT(is_active),INSERT(is_active),UPDATE(is_active) ON TABLE public.webhook_endpoints TO authenticated;

GRANT SELECT(description),INSERT(description),UPDATE(description) ON TABLE public.webhook_endpoints TO authenticated;

GRANT SELECT(created_at) ON TABLE public.webhook_endpoints TO authenticated;

GRANT SELECT(updated_at) ON TABLE public.webhook_endpoints TO authenticated;

CREATE TRIGGER webhook_endpoints_updated_at BEFORE UPDATE ON public.webhook_endpoints FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

ALTER TABLE ONLY public.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_distribution_fkey FOREIGN KEY (distribution_id, client_id) REFERENCES public.distributions(id, client_id) ON DELETE SET NULL (distribution_id);

ALTER TABLE ONLY public.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_endpoint_fkey FOREIGN KEY (endpoint_id, client_id) REFERENCES public.webhook_endpoints(id, client_id) ON DELETE CASCADE;

ALTER TABLE ONLY public.webhook_endpoints
    ADD CONSTRAINT webhook_endpoints_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

CREATE FUNCTION private.claim_webhook_deliveries(p_limit integer, p_lease_seconds integer DEFAULT 60) RETURNS TABLE(id uuid, url text, secret text, event text, payload jsonb, attempts integer)
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  with settings as (
    select 8 as max_attempts -- record_webhook_deliveries' p_max_attempts default
  ), given_up as (
    update public.webhook_deliveries d
       set status = 'failed', lease_expires_at = null,
           last_error = 'gave up after ' || d.attempts || ' attempts (the last one did not finish)'
      from settings s
     where d.attempts >= s.max_attempts
       and ((d.status = 'pending' and d.next_attempt_at <= now())
         or (d.status = 'delivering' and d.lease_expires_at <= now()))
    returning d.id
  ), inactive as (
    update public.webhook_deliveries d
       set status = 'failed', lease_expires_at = null,
           last_error = 'not sent: the endpoint is inactive'
      from public.webhook_endpoints e, settings s
     where e.id = d.endpoint_id and not e.is_active
       and d.attempts < s.max_attempts
       and ((d.status = 'pending' and d.next_attempt_at <= now())
         or (d.status = 'delivering' and d.lease_expires_at <= now()))
    returning d.id
  ), due as (
    select d.id from public.webhook_deliveries d
      join public.webhook_endpoints e on e.id = d.endpoint_id and e.is_active
      cross join settings s
    where ((d.status = 'pending' and d.next_attempt_at <= now())
        or (d.status = 'delivering' and d.lease_expires_at <= now()))
      and d.attempts < s.max_attempts
    order by d.next_attempt_at
    limit p_limit
    for update of d skip locked
  ), claimed as (
    update public.webhook_deliveries d
       set status = 'delivering', attempts = d.attempts + 1,
           lease_expires_at = now() + make_interval(secs => p_lease_seconds)
      from due where d.id = due.id
    returning d.id, d.endpoint_id, d.event, d.payload, d.attempts
  )
  select c.id, e.url, e.secret, c.event, c.payload, c.attempts
  from claimed c join public.webhook_endpoints e on e.id = c.endpoint_id
$$;

REVOKE ALL ON FUNCTION private.claim_webhook_deliveries(p_limit integer, p_lease_seconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.claim_webhook_deliveries(p_limit integer, p_lease_seconds integer) TO service_role;

CREATE FUNCTION private.enqueue_distribution_webhooks() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    SET enable_nestloop TO 'off'
    AS $$
begin
  if not exists (select 1 from public.webhook_endpoints e
                 where e.is_active and e.client_id in (select n.client_id from new_rows n)) then
    return null;
  end if;
  insert into public.webhook_deliveries (client_id, endpoint_id, distribution_id, event, payload)
  select n.client_id, e.id, n.id, 'distribution.' || n.status,
         jsonb_build_object(
           'event', 'distribution.' || n.status,
           'occurred_at', now(),
           'distribution', jsonb_build_object(
             'id', n.id, 'platform_id', n.platform_id, 'status', n.status, 'title', n.title,
             'scheduled_for', n.scheduled_for, 'published_at', n.published_at,
             'external_id', n.external_id, 'external_url', n.external_url,
             'error_message', n.error_message, 'retry_count', n.retry_count,
             'cross_post_group_id', n.cross_post_group_id, 'content_id', n.content_id))
  from new_rows n
  join old_rows o on o.id = n.id and o.status is distinct from n.status
  join public.webhook_endpoints e
    on e.client_id = n.client_id and e.is_active and 'distribution.' || n.status = any (e.events)
  where n.status in ('published', 'failed', 'unconfirmed');
  -- the deliver-webhooks function is woken once per transaction (a transaction-local flag)
  if found and current_setting('distribution.webhooks_woken', true) is distinct from 'yes' then
    perform set_config('distribution.webhooks_woken', 'yes', true);
    perform private.invoke_edge_function('deliver-webhooks', '{}'::jsonb, 30000, false);
  end if;
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.enqueue_distribution_webhooks() FROM PUBLIC;

CREATE FUNCTION private.record_webhook_deliveries(p_results jsonb, p_max_attempts integer DEFAULT 8) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  update public.webhook_deliveries d set
    status = case when r.ok then 'delivered' when d.attempts >= p_max_attempts then 'failed' else 'pending' end,
    delivered_at = case when r.ok then now() else null end,
    last_status_code = r.status_code,
    last_error = case when r.ok then null else r.error end,
    lease_expires_at = null,
    next_attempt_at = case when r.ok then d.next_attempt_at
                           else now() + make_interval(secs => least(30 * power(2, d.attempts - 1), 21600)) end
  from jsonb_to_recordset(p_results) as r(id uuid, ok boolean, status_code integer, error text)
  where d.id = r.id and d.status = 'delivering'
$$;

REVOKE ALL ON FUNCTION private.record_webhook_deliveries(p_results jsonb, p_max_attempts integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.record_webhook_deliveries(p_results jsonb, p_max_attempts integer) TO service_role;

CREATE TRIGGER distributions_webhooks AFTER UPDATE ON public.distributions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.enqueue_distribution_webhooks();

-- ==== supabase/schemas/270_native_scheduling.sql

-- Native scheduling: posts handed to a platform's own scheduler, and the cancellations sent back to it.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TABLE public.platform_cancellations (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    platform_id uuid NOT NULL,
    distribution_id uuid,
    external_id text NOT NULL,
    reason text NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    lease_expires_at timestamp with time zone,
    last_error text,
    done_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT platform_cancellations_attempts_check CHECK ((attempts >= 0)),
    CONSTRAINT platform_cancellations_reason_check CHECK ((reason = ANY (ARRAY['cancelled'::text, 'rescheduled'::text, 'deleted'::text]))),
    CONSTRAINT platform_cancellations_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'working'::text, 'done'::text, 'failed'::text])))
);

COMMENT ON TABLE public.platform_cancellations IS 'Posts handed to a platform ahead of time that must be removed there (the distribution was cancelled, moved or deleted). Worked through by the publisher with retries; failed after 5 attempts with the platform''s message.';

ALTER TABLE ONLY public.platform_cancellations
    ADD CONSTRAINT platform_cancellations_pkey PRIMARY KEY (id);

CREATE INDEX idx_platform_cancellations_due ON public.platform_cancellations USING btree (next_attempt_at) WHERE (status = ANY (ARRAY['pending'::text, 'working'::text]));

CREATE INDEX idx_platform_cancellations_client ON public.platform_cancellations USING btree (client_id);

CREATE INDEX idx_platform_cancellations_platform ON public.platform_cancellations USING btree (platform_id);

CREATE INDEX idx_platform_cancellations_distribution ON public.platform_cancellations USING btree (distribution_id);

CREATE INDEX idx_platform_cancellations_finished ON public.platform_cancellations USING btree (updated_at) WHERE (status = ANY (ARRAY['done'::text, 'failed'::text]));

ALTER TABLE public.platform_cancellations ENABLE ROW LEVEL SECURITY;

CREATE POLICY platform_cancellations_select ON public.platform_cancellations FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

GRANT SELECT ON TABLE public.platform_cancellations TO authenticated;
GRANT ALL ON TABLE public.platform_cancellations TO service_role;

CREATE TRIGGER platform_cancellations_updated_at BEFORE UPDATE ON public.platform_cancellations FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

ALTER TABLE ONLY public.platform_cancellations
    ADD CONSTRAINT platform_cancellations_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.platform_cancellations
    ADD CONSTRAINT platform_cancellations_distribution_fkey FOREIGN KEY (distribution_id, client_id) REFERENCES public.distributions(id, client_id) ON DELETE SET NULL (distribution_id);

ALTER TABLE ONLY public.platform_cancellations
    ADD CONSTRAINT platform_cancellations_platform_fkey FOREIGN KEY (platform_id, client_id) REFERENCES public.platforms(id, client_id) ON DELETE CASCADE;

CREATE FUNCTION private.claim_platform_cancellations(p_limit integer, p_lease_seconds integer DEFAULT 120) RETURNS TABLE(id uuid, platform_id uuid, external_id text, attempts integer)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
#variable_conflict use_column
begin
  return query
  with due as (
    select c.id from public.platform_cancellations c
    join public.platforms p on p.id = c.platform_id
    where ((c.status = 'pending' and c.next_attempt_at <= now())
           or (c.status = 'working' and c.lease_expires_at <= now()))
      and not p.needs_reconnection and (p.paused_until is null or p.paused_until <= now())
    order by c.next_attempt_at
    limit p_limit
    for update of c skip locked
  )
  update public.platform_cancellations c
     set status = 'working', attempts = c.attempts + 1,
         lease_expires_at = now() + make_interval(secs => p_lease_seconds)
    from due where c.id = due.id
  returning c.id, c.platform_id, c.external_id, c.attempts;
end
$$;

REVOKE ALL ON FUNCTION private.claim_platform_cancellations(p_limit integer, p_lease_seconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.claim_platform_cancellations(p_limit integer, p_lease_seconds integer) TO service_role;

CREATE FUNCTION private.record_platform_cancellations(p_results jsonb) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  update public.platform_cancellations c set
    status = case when r.ok then 'done' when c.attempts >= 5 then 'failed' else 'pending' end,
    done_at = case when r.ok then now() end,
    last_error = case when r.ok then null else r.message end,
    lease_expires_at = null,
    next_attempt_at = case when r.ok then c.next_attempt_at
                           else now() + make_interval(secs => 60 * power(2, c.attempts - 1)) end
  from jsonb_to_recordset(p_results) as r(id uuid, ok boolean, message text)
  where c.id = r.id and c.status = 'working'
$$;

REVOKE ALL ON FUNCTION private.record_platform_cancellations(p_results jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION private.record_platform_cancellations(p_results jsonb) TO service_role;

CREATE FUNCTION private.withdraw_native_handoff() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if tg_op = 'DELETE' then
    -- Not when the whole client is being deleted (its platforms and credentials go with it).
    if exists (select 1 from public.platforms p where p.id = old.platform_id) then
      insert into public.platform_cancellations (client_id, platform_id, external_id, reason)
      values (old.client_id, old.platform_id, old.external_id, 'deleted');
    end if;
    return old;
  end if;
  insert into public.platform_cancellations (client_id, platform_id, distribution_id, external_id, reason)
  values (new.client_id, new.platform_id, new.id, old.external_id,
          case when new.status = 'cancelled' then 'cancelled' else 'rescheduled' end);
  new.native_state := null;
  new.native_attempt_id := null;
  new.external_id := null;
  new.external_url := null;
  return new;
end
$$;

REVOKE ALL ON FUNCTION private.withdraw_native_handoff() FROM PUBLIC;

CREATE TRIGGER distributions_withdraw_native_handoff BEFORE UPDATE ON public.distributions FOR EACH ROW WHEN (((old.native_state = 'handed_off'::text) AND (old.external_id IS NOT NULL) AND ((new.status = 'cancelled'::text) OR (new.scheduled_for IS DISTINCT FROM old.scheduled_for) OR (new.status = 'draft'::text)))) EXECUTE FUNCTION private.withdraw_native_handoff();

CREATE TRIGGER distributions_withdraw_native_handoff_on_delete AFTER DELETE ON public.distributions FOR EACH ROW WHEN (((old.native_state = 'handed_off'::text) AND (old.external_id IS NOT NULL) AND (old.status = 'scheduled'::text))) EXECUTE FUNCTION private.withdraw_native_handoff();

-- ==== supabase/schemas/280_metrics_sync_schedule.sql

-- When metrics are read: the sync cadence by post age, the per-platform read budgets and the due queue.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TABLE private.metrics_read_usage (
    budget_key text NOT NULL,
    window_start timestamp with time zone NOT NULL,
    reads integer DEFAULT 0 NOT NULL
);

COMMENT ON TABLE private.metrics_read_usage IS 'Metric reads claimed per budget (kind:<kind>, kind:<kind>:client:<id> for a client''s part of an app-scoped budget, or platform:<id>) and window. Windows older than 3 days are pruned by claims.';

ALTER TABLE ONLY private.metrics_read_usage
    ADD CONSTRAINT metrics_read_usage_pkey PRIMARY KEY (budget_key, window_start);

GRANT SELECT ON TABLE private.metrics_read_usage TO service_role;

CREATE TABLE public.metrics_read_budgets (
    kind text NOT NULL,
    max_reads integer NOT NULL,
    per interval NOT NULL,
    scope text DEFAULT 'account'::text NOT NULL,
    window_origin timestamp with time zone DEFAULT '2000-01-01 00:00:00+00'::timestamp with time zone NOT NULL,
    notes text,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT metrics_read_budgets_kind_check CHECK ((kind = ANY (ARRAY['wordpress'::text, 'x'::text, 'linkedin'::text, 'youtube'::text, 'email'::text, 'instagram'::text, 'tiktok'::text, 'podcast'::text]))),
    CONSTRAINT metrics_read_budgets_max_reads_check CHECK ((max_reads > 0)),
    CONSTRAINT metrics_read_budgets_per_check CHECK (((per >= '00:01:00'::interval) AND (EXTRACT(month FROM per) = (0)::numeric))),
    CONSTRAINT metrics_read_budgets_scope_check CHECK ((scope = ANY (ARRAY['app'::text, 'account'::text])))
);

COMMENT ON TABLE public.metrics_read_budgets IS 'Metric reads the sync may spend per platform kind: at most max_reads per window of length per. scope app: one budget shared by every platform of the kind (the API limits our app); account: one budget per platform (per connected account). Windows are fixed, aligned on window_origin. Edited by the service role / Studio.';

COMMENT ON COLUMN public.metrics_read_budgets.max_reads IS 'Reads (API calls) allowed per window; keep headroom for publishing calls.';

COMMENT ON COLUMN public.metrics_read_budgets.per IS 'Window length (no months).';

COMMENT ON COLUMN public.metrics_read_budgets.scope IS 'app: shared by all platforms of the kind; account: per platform.';

COMMENT ON COLUMN public.metrics_read_budgets.window_origin IS 'Alignment of the windows, e.g. a midnight in the time zone where the API''s daily quota resets.';

ALTER TABLE ONLY public.metrics_read_budgets
    ADD CONSTRAINT metrics_read_budgets_pkey PRIMARY KEY (kind);

ALTER TABLE public.metrics_read_budgets ENABLE ROW LEVEL SECURITY;

CREATE POLICY metrics_read_budgets_select ON public.metrics_read_budgets FOR SELECT TO authenticated USING (true);

GRANT SELECT ON TABLE public.metrics_read_budgets TO authenticated;
GRANT ALL ON TABLE public.metrics_read_budgets TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.metrics_read_budgets FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

CREATE TABLE public.metrics_sync_policy (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid,
    platform_id uuid,
    max_age interval NOT NULL,
    sync_every interval NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT metrics_sync_policy_max_age_check CHECK ((max_age > '00:00:00'::interval)),
    CONSTRAINT metrics_sync_policy_platform_needs_client CHECK (((platform_id IS NULL) OR (client_id IS NOT NULL))),
    CONSTRAINT metrics_sync_policy_sync_every_check CHECK ((sync_every >= '00:01:00'::interval))
);

COMMENT ON TABLE public.metrics_sync_policy IS 'How often a published post''s metrics are read, by its age. Each row is a tier: posts younger than max_age (and older than the previous tier) are synced every sync_every. The most specific scope that has any rows wins: the platform''s rows, else the client''s (platform_id null), else the global rows (both null). A post older than the largest max_age of its scope is no longer synced. Changes apply from each post''s next sync.';

COMMENT ON COLUMN public.metrics_sync_policy.client_id IS 'null: a global tier (service role only).';

COMMENT ON COLUMN public.metrics_sync_policy.platform_id IS 'null: applies to every platform of client_id.';

COMMENT ON COLUMN public.metrics_sync_policy.max_age IS 'Upper bound (exclusive) of the post age (since published_at) this tier covers.';

COMMENT ON COLUMN public.metrics_sync_policy.sync_every IS 'Time between two metric reads of a post in this tier.';

ALTER TABLE ONLY public.metrics_sync_policy
    ADD CONSTRAINT metrics_sync_policy_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.metrics_sync_policy
    ADD CONSTRAINT metrics_sync_policy_tier_key UNIQUE NULLS NOT DISTINCT (client_id, platform_id, max_age);

CREATE INDEX idx_metrics_sync_policy_client ON public.metrics_sync_policy USING btree (client_id);

CREATE INDEX idx_metrics_sync_policy_platform ON public.metrics_sync_policy USING btree (platform_id);

ALTER TABLE public.metrics_sync_policy ENABLE ROW LEVEL SECURITY;

CREATE POLICY metrics_sync_policy_delete ON public.metrics_sync_policy FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY metrics_sync_policy_insert ON public.metrics_sync_policy FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY metrics_sync_policy_select ON public.metrics_sync_policy FOR SELECT TO authenticated USING (((client_id IS NULL) OR (client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids)))));

CREATE POLICY metrics_sync_policy_update ON public.metrics_sync_policy FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.metrics_sync_policy TO authenticated;
GRANT ALL ON TABLE public.metrics_sync_policy TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.metrics_sync_policy FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

ALTER TABLE ONLY public.metrics_sync_policy
    ADD CONSTRAINT metrics_sync_policy_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.metrics_sync_policy
    ADD CONSTRAINT metrics_sync_policy_platform_fkey FOREIGN KEY (platform_id, client_id) REFERENCES public.platforms(id, client_id) ON DELETE CASCADE;

CREATE FUNCTION private.claim_metrics_due(p_limit integer DEFAULT 200, p_per_platform integer DEFAULT 50, p_lease_seconds integer DEFAULT 300) RETURNS TABLE(distribution_id uuid, client_id uuid, platform_id uuid, platform_kind text, external_id text, published_at timestamp with time zone, last_synced_at timestamp with time zone, lease_until timestamp with time zone)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
#variable_conflict use_column
declare
  v record;
  v_remaining integer := p_limit;
  v_n integer;
  v_key text;
  v_window timestamptz;
  v_used integer;
  v_claimed integer;
  v_shares jsonb := '{}'::jsonb;
  v_share integer;
begin
  for v in
    select q.platform_id as pid, p.client_id as cid, p.kind, b.max_reads, b.per, b.scope, b.window_origin
    from (
      select d.platform_id, min(d.metrics_next_sync_at) as due
      from public.distributions d
      where d.metrics_next_sync_at <= now()
      group by d.platform_id
    ) q
    join public.platforms p on p.id = q.platform_id
    left join public.metrics_read_budgets b on b.kind = p.kind
    where p.is_active and p.supports_analytics and not p.needs_reconnection
      and (p.metrics_paused_until is null or p.metrics_paused_until <= now())
    order by row_number() over (partition by p.client_id order by q.due, q.platform_id), q.due, q.platform_id
  loop
    exit when v_remaining <= 0;
    continue when not pg_try_advisory_xact_lock(hashtextextended('metrics:' || v.pid::text, 0));
    v_n := least(v_remaining, p_per_platform);
    if v.max_reads is not null then
      v_key := case v.scope when 'app' then 'kind:' || v.kind else 'platform:' || v.pid::text end;
      v_window := date_bin(v.per, now(), v.window_origin);
      -- Workers on different platforms of an app-scoped kind share the budget: serialize on it briefly.
      perform pg_advisory_xact_lock(hashtextextended('metrics-budget:' || v_key, 0));
      select u.reads into v_used from private.metrics_read_usage u
       where u.budget_key = v_key and u.window_start = v_window;
      v_n := least(v_n, v.max_reads - coalesce(v_used, 0));
      if v.scope = 'app' then
        -- The shares are computed once per claim and kind, under the budget's lock (held to commit).
        if not v_shares ? v.kind then
          v_shares := v_shares || jsonb_build_object(v.kind,
                                    private.metrics_client_shares(v.kind, v_window, v.max_reads));
        end if;
        v_share := coalesce((v_shares -> v.kind ->> v.cid::text)::integer, 0);
        v_n := least(v_n, v_share);
      end if;
      continue when v_n <= 0;
    end if;

    return query
    with due as (
      select d.id from public.distributions d
      where d.platform_id = v.pid and d.metrics_next_sync_at <= now()
        and d.status = 'published' and d.external_id is not null
      order by d.metrics_next_sync_at
      limit v_n
      for update skip locked
    ), claimed as (
      update public.distributions d
         set metrics_lease_until = now() + make_interval(secs => p_lease_seconds),
             metrics_next_sync_at = now() + make_interval(secs => p_lease_seconds)
        from due where d.id = due.id
      returning d.id, d.client_id, d.platform_id, d.external_id, d.published_at, d.metrics_synced_at,
                d.metrics_lease_until
    )
    select c.id, c.client_id, c.platform_id, v.kind, c.external_id, c.published_at, c.metrics_synced_at,
           c.metrics_lease_until
    from claimed c;
    get diagnostics v_claimed = row_count;
    v_remaining := v_remaining - v_claimed;

    if v.max_reads is not null and v_claimed > 0 then
      insert into private.metrics_read_usage as u (budget_key, window_start, reads)
      values (v_key, v_window, v_claimed)
      on conflict (budget_key, window_start) do update set reads = u.reads + excluded.reads;
      if v.scope = 'app' then
        v_shares := jsonb_set(v_shares, array[v.kind, v.cid::text], to_jsonb(v_share - v_claimed));
        insert into private.metrics_read_usage as u (budget_key, window_start, reads)
        values (v_key || ':client:' || v.cid::text, v_window, v_claimed)
        on conflict (budget_key, window_start) do update set reads = u.reads + excluded.reads;
      end if;
    end if;
  end loop;

  delete from private.metrics_read_usage u where u.window_start < now() - interval '3 days';
end
$$;

COMMENT ON FUNCTION private.claim_metrics_due(p_limit integer, p_per_platform integer, p_lease_seconds integer) IS 'Claims up to p_limit published posts due for a metrics read (at most p_per_platform per platform, within the kind''s read budget and, for app-scoped budgets, the client''s fair share of it; platforms round-robin over clients) under a lease of p_lease_seconds. Returns (distribution_id, client_id, platform_id, platform_kind, external_id, published_at, last_synced_at, lease_until).';

REVOKE ALL ON FUNCTION private.claim_metrics_due(p_limit integer, p_per_platform integer, p_lease_seconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.claim_metrics_due(p_limit integer, p_per_platform integer, p_lease_seconds integer) TO service_role;

CREATE FUNCTION private.metrics_next_sync_at(p_platform_id uuid, p_client_id uuid, p_published_at timestamp with time zone, p_last_synced_at timestamp with time zone) RETURNS timestamp with time zone
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if p_published_at is null then
    return null;
  end if;
  return coalesce(p_last_synced_at, p_published_at)
         + private.metrics_sync_interval(p_platform_id, p_client_id,
                                         coalesce(p_last_synced_at, p_published_at) - p_published_at);
end
$$;

COMMENT ON FUNCTION private.metrics_next_sync_at(p_platform_id uuid, p_client_id uuid, p_published_at timestamp with time zone, p_last_synced_at timestamp with time zone) IS 'Next metrics read of a post published at p_published_at and last read at p_last_synced_at (null: never).';

REVOKE ALL ON FUNCTION private.metrics_next_sync_at(p_platform_id uuid, p_client_id uuid, p_published_at timestamp with time zone, p_last_synced_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION private.metrics_next_sync_at(p_platform_id uuid, p_client_id uuid, p_published_at timestamp with time zone, p_last_synced_at timestamp with time zone) TO service_role;

CREATE FUNCTION private.metrics_sync_interval(p_platform_id uuid, p_client_id uuid, p_age interval) RETURNS interval
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  return (
  with candidates as (
    select s.max_age, s.sync_every,
           case when s.platform_id is not null then 1 when s.client_id is not null then 2 else 3 end as specificity
    from public.metrics_sync_policy s
    where s.platform_id = p_platform_id
       or (s.platform_id is null and s.client_id = p_client_id)
       or (s.platform_id is null and s.client_id is null)
  )
  select c.sync_every from candidates c
  where c.specificity = (select min(specificity) from candidates)
    and c.max_age > greatest(p_age, interval '0')
  order by c.max_age
  limit 1);
end
$$;

COMMENT ON FUNCTION private.metrics_sync_interval(p_platform_id uuid, p_client_id uuid, p_age interval) IS 'Time between metric reads for a post of age p_age on the platform (metrics_sync_policy); null = stop syncing.';

REVOKE ALL ON FUNCTION private.metrics_sync_interval(p_platform_id uuid, p_client_id uuid, p_age interval) FROM PUBLIC;
GRANT ALL ON FUNCTION private.metrics_sync_interval(p_platform_id uuid, p_client_id uuid, p_age interval) TO service_role;

CREATE FUNCTION private.next_metrics_due() RETURNS timestamp with time zone
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select min(metrics_next_sync_at) from public.distributions where metrics_next_sync_at is not null
$$;

REVOKE ALL ON FUNCTION private.next_metrics_due() FROM PUBLIC;
GRANT ALL ON FUNCTION private.next_metrics_due() TO service_role;

CREATE FUNCTION private.schedule_metrics_sync() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if new.status = 'published' and new.external_id is not null and new.published_at is not null then
    if tg_op = 'INSERT' or old.status is distinct from 'published' or old.external_id is distinct from new.external_id
       or old.published_at is distinct from new.published_at or old.platform_id is distinct from new.platform_id then
      new.metrics_next_sync_at := private.metrics_next_sync_at(new.platform_id, new.client_id, new.published_at,
                                                               new.metrics_synced_at);
      new.metrics_lease_until := null;
    end if;
  else
    new.metrics_next_sync_at := null;
    new.metrics_lease_until := null;
  end if;
  return new;
end
$$;

REVOKE ALL ON FUNCTION private.schedule_metrics_sync() FROM PUBLIC;

CREATE TRIGGER distributions_metrics_reschedule BEFORE UPDATE OF status, external_id, published_at, platform_id ON public.distributions FOR EACH ROW WHEN (((NOT (new.metrics_next_sync_at IS DISTINCT FROM old.metrics_next_sync_at)) AND ((new.status = 'published'::text) OR (new.metrics_next_sync_at IS NOT NULL) OR (new.metrics_lease_until IS NOT NULL)))) EXECUTE FUNCTION private.schedule_metrics_sync();

CREATE TRIGGER distributions_metrics_schedule BEFORE INSERT ON public.distributions FOR EACH ROW EXECUTE FUNCTION private.schedule_metrics_sync();

-- The default cadence (client_id and platform_id null): posts younger than max_age are read every sync_every.
insert into public.metrics_sync_policy (max_age, sync_every) values
  (interval '6 hours', interval '15 minutes'),
  (interval '48 hours', interval '1 hour'),
  (interval '30 days', interval '1 day');

-- Each platform kind's read budget.
insert into public.metrics_read_budgets (kind, max_reads, per, scope, window_origin, notes) values
  ('x', 450, interval '15 minutes', 'app', timestamptz '2000-01-01 00:00:00+00',
   'GET /2/tweets/:id: 450 per 15 min per app.'),
  ('youtube', 5000, interval '1 day', 'app', timestamptz '2000-01-01 00:00:00 America/Los_Angeles',
   'videos.list costs 1 unit of the 10,000/day project quota (resets midnight Pacific); half kept for uploads. '
   'Windows are fixed 24 h from a Pacific midnight, so they drift by an hour across daylight saving.'),
  ('linkedin', 500, interval '1 day', 'account', timestamptz '2000-01-01 00:00:00+00',
   'Daily per-member limits, reset midnight UTC, numbers unpublished (unverified: keep conservative).'),
  ('instagram', 150, interval '1 hour', 'account', timestamptz '2000-01-01 00:00:00+00',
   'Graph API: about 200 calls per hour per user; insights share it with publishing.'),
  ('tiktok', 300, interval '1 minute', 'account', timestamptz '2000-01-01 00:00:00+00',
   'video/query per token (unverified).'),
  ('email', 600, interval '1 minute', 'account', timestamptz '2000-01-01 00:00:00+00',
   'Mailchimp: 10 concurrent connections; no published per-minute cap.'),
  ('wordpress', 600, interval '1 minute', 'account', timestamptz '2000-01-01 00:00:00+00',
   'Reads go to the configured analytics source.'),
  ('podcast', 50, interval '1 minute', 'account', timestamptz '2000-01-01 00:00:00+00',
   'Transistor: 10 requests per 10 s.');

-- ==== supabase/schemas/290_engagement_rates.sql

-- Engagement rates computed from the metric snapshots.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.compute_engagement_rates() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_kind text;
  v record;
begin
  select p.kind into v_kind from public.platforms p where p.id = new.platform_id;
  select * into v from private.engagement_inputs(v_kind, new.impressions, new.reach, new.engagements, new.likes,
                                                 new.comments, new.shares, new.saves, new.video_views,
                                                 new.platform_metrics);
  -- A negative input is left to the columns' check constraints to reject.
  new.engagement_base := case when v.base >= 0 then v.base end;
  new.engagement_count := case when v.engaged >= 0 then v.engaged end;
  -- An insert that brings its own rates (an import of history) keeps them.
  if tg_op = 'UPDATE' or (new.engagement_rate is null and new.click_through_rate is null) then
    new.engagement_rate := case when v.base > 0 and v.engaged >= 0
                                then round(100.0 * v.engaged / v.base, 4) end;
    new.click_through_rate := case when v.base > 0 and new.clicks >= 0
                                   then round(100.0 * new.clicks / v.base, 4) end;
  end if;
  return new;
end
$$;

COMMENT ON FUNCTION private.compute_engagement_rates() IS 'BEFORE trigger: engagement_base, engagement_count, engagement_rate and click_through_rate from the metrics.';

REVOKE ALL ON FUNCTION private.compute_engagement_rates() FROM PUBLIC;

CREATE FUNCTION private.engagement_inputs(p_kind text, p_impressions integer, p_reach integer, p_engagements integer, p_likes integer, p_comments integer, p_shares integer, p_saves integer, p_video_views integer, p_platform_metrics jsonb, OUT base integer, OUT engaged integer) RETURNS record
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $$
declare
  v_interactions integer;
  v_hard integer;
  v_soft integer;
begin
  v_interactions := case
    when num_nonnulls(p_likes, p_comments, p_shares, p_saves) = 0 then null
    else coalesce(p_likes, 0) + coalesce(p_comments, 0) + coalesce(p_shares, 0) + coalesce(p_saves, 0)
  end;
  if p_kind = 'email' then
    v_hard := private.metric_count(p_platform_metrics -> 'hard_bounces');
    v_soft := private.metric_count(p_platform_metrics -> 'soft_bounces');
    base := coalesce(p_reach, greatest(p_impressions - v_hard - v_soft, 0));
    engaged := private.metric_count(p_platform_metrics -> 'unique_opens');
  elsif p_kind in ('youtube', 'tiktok') then
    base := p_video_views;
    engaged := coalesce(p_engagements, v_interactions);
  elsif p_kind = 'instagram' then
    base := p_reach;
    engaged := coalesce(p_engagements, v_interactions);
  else
    base := p_impressions;
    engaged := coalesce(p_engagements, v_interactions);
  end if;
end
$$;

COMMENT ON FUNCTION private.engagement_inputs(p_kind text, p_impressions integer, p_reach integer, p_engagements integer, p_likes integer, p_comments integer, p_shares integer, p_saves integer, p_video_views integer, p_platform_metrics jsonb, OUT base integer, OUT engaged integer) IS 'Per platform kind: base (denominator of both rates) and engaged (numerator of engagement_rate). See the comment on distributions.engagement_rate.';

REVOKE ALL ON FUNCTION private.engagement_inputs(p_kind text, p_impressions integer, p_reach integer, p_engagements integer, p_likes integer, p_comments integer, p_shares integer, p_saves integer, p_video_views integer, p_platform_metrics jsonb, OUT base integer, OUT engaged integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.engagement_inputs(p_kind text, p_impressions integer, p_reach integer, p_engagements integer, p_likes integer, p_comments integer, p_shares integer, p_saves integer, p_video_views integer, p_platform_metrics jsonb, OUT base integer, OUT engaged integer) TO service_role;

CREATE FUNCTION private.metric_count(p jsonb) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $_$
  select case
    when jsonb_typeof(p) = 'number' and (p::text)::numeric between 0 and 2147483647
      then round((p::text)::numeric)::integer
    when jsonb_typeof(p) = 'string' and (p #>> '{}') ~ '^\s*\d{1,9}(\.\d+)?\s*$'
      then round((p #>> '{}')::numeric)::integer
  end
$_$;

COMMENT ON FUNCTION private.metric_count(p jsonb) IS 'A metric count from JSON: non-negative number or numeric string -> integer; absent or anything else -> null.';

REVOKE ALL ON FUNCTION private.metric_count(p jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION private.metric_count(p jsonb) TO service_role;

CREATE TRIGGER distributions_engagement_rates BEFORE INSERT OR UPDATE OF impressions, reach, engagements, clicks, likes, comments, shares, saves, video_views, platform_metrics, platform_id ON public.distributions FOR EACH ROW EXECUTE FUNCTION private.compute_engagement_rates();

-- ==== supabase/schemas/300_record_metrics.sql

-- Recording metric reads: one statement per batch writes the snapshots, the distributions' summary (whose rates
-- the engagement-rate trigger computes), the failures and their backoff, the platforms' sync health and hourly
-- sync counts, and the pattern feedback (day and hour in the distribution's own time zone).
-- 
-- p_batch of private.record_metrics: a JSON array of
--   {"distribution_id": uuid, "ok": true, "recorded_at"?: timestamptz (default now()),
--    "metrics": {"impressions"?, "reach"?, "engagements"?, "clicks"?, "shares"?, "comments"?, "likes"?,
--                "saves"?, "video_views"?, "video_watch_time_seconds"?, "followers_gained"?,
--                "followers_lost"?: non-negative integers (absent = not reported, never 0),
--                "platform_metrics"?: {name: number | string | boolean}}}
--   {"distribution_id": uuid, "ok": false, "error": text,
--    "error_class": "transient" | "rate_limited" | "permanent" | "auth" (default transient),
--    "retry_at"?: timestamptz (rate_limited: when the platform's window resets)}
-- Returns {"recorded": snapshots written, "failed": failures recorded, "ignored": [ids not published or unknown],
--          "feedback": pattern_feedback rows written}.
-- A failure backs off (15 min doubling, capped at 1 day; given up after 10 in a row); permanent stops syncing the
-- post (e.g. deleted on the platform); auth flags the platform needs_reconnection; rate_limited pauses the
-- platform's reads until retry_at (default 15 min).

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TABLE public.distribution_patterns (
    distribution_id uuid NOT NULL,
    pattern_id uuid NOT NULL,
    client_id uuid NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);

COMMENT ON TABLE public.distribution_patterns IS 'Platform patterns applied to a distribution. pattern_feedback.pattern_applied is true for these, and for a timing pattern (pattern_type timing) also when the post went out in one of its slots (local day and hour).';

ALTER TABLE ONLY public.distribution_patterns
    ADD CONSTRAINT distribution_patterns_pkey PRIMARY KEY (distribution_id, pattern_id);

CREATE INDEX idx_distribution_patterns_pattern ON public.distribution_patterns USING btree (pattern_id);

CREATE INDEX idx_distribution_patterns_client ON public.distribution_patterns USING btree (client_id);

ALTER TABLE public.distribution_patterns ENABLE ROW LEVEL SECURITY;

CREATE POLICY distribution_patterns_delete ON public.distribution_patterns FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY distribution_patterns_insert ON public.distribution_patterns FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY distribution_patterns_select ON public.distribution_patterns FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY distribution_patterns_update ON public.distribution_patterns FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.distribution_patterns TO authenticated;
GRANT ALL ON TABLE public.distribution_patterns TO service_role;

CREATE TABLE public.metrics_sync_stats (
    platform_id uuid NOT NULL,
    client_id uuid NOT NULL,
    hour timestamp with time zone NOT NULL,
    synced integer DEFAULT 0 NOT NULL,
    failed integer DEFAULT 0 NOT NULL,
    CONSTRAINT metrics_sync_stats_failed_check CHECK ((failed >= 0)),
    CONSTRAINT metrics_sync_stats_synced_check CHECK ((synced >= 0))
);

COMMENT ON TABLE public.metrics_sync_stats IS 'Metric reads per platform and hour (UTC-aligned): successful (synced) and failed. Written by record_metrics.';

ALTER TABLE ONLY public.metrics_sync_stats
    ADD CONSTRAINT metrics_sync_stats_pkey PRIMARY KEY (platform_id, hour);

CREATE INDEX idx_metrics_sync_stats_client ON public.metrics_sync_stats USING btree (client_id);

CREATE INDEX idx_metrics_sync_stats_hour ON public.metrics_sync_stats USING btree (hour);

ALTER TABLE public.metrics_sync_stats ENABLE ROW LEVEL SECURITY;

CREATE POLICY metrics_sync_stats_select ON public.metrics_sync_stats FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

GRANT SELECT ON TABLE public.metrics_sync_stats TO authenticated;
GRANT ALL ON TABLE public.metrics_sync_stats TO service_role;

ALTER TABLE ONLY public.distribution_patterns
    ADD CONSTRAINT distribution_patterns_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.distribution_patterns
    ADD CONSTRAINT distribution_patterns_distribution_fkey FOREIGN KEY (distribution_id, client_id) REFERENCES public.distributions(id, client_id) ON DELETE CASCADE;

ALTER TABLE ONLY public.distribution_patterns
    ADD CONSTRAINT distribution_patterns_pattern_fkey FOREIGN KEY (pattern_id, client_id) REFERENCES public.platform_patterns(id, client_id) ON DELETE CASCADE;

ALTER TABLE ONLY public.metrics_sync_stats
    ADD CONSTRAINT metrics_sync_stats_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.metrics_sync_stats
    ADD CONSTRAINT metrics_sync_stats_platform_fkey FOREIGN KEY (platform_id, client_id) REFERENCES public.platforms(id, client_id) ON DELETE CASCADE;

CREATE FUNCTION private.record_metrics(p_batch jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_result jsonb;
begin
  -- Platform rows first, in id order, as every writer of several platform rows does: no deadlocks with the
  -- publisher recording its own batches.
  perform private.lock_platforms(array(
    select distinct d.platform_id
    from jsonb_array_elements(coalesce(p_batch, '[]'::jsonb)) e
    join public.distributions d on d.id = (e.value ->> 'distribution_id')::uuid));

  with elements as (
    select e.value as el, e.ordinality as ord
    from jsonb_array_elements(coalesce(p_batch, '[]'::jsonb)) with ordinality as e
  ), parsed as (
    select (el ->> 'distribution_id')::uuid as distribution_id,
           coalesce((el ->> 'ok')::boolean, false) as ok,
           coalesce((el ->> 'recorded_at')::timestamptz, now()) as recorded_at,
           coalesce(el -> 'metrics', '{}'::jsonb) as m,
           el ->> 'error' as error,
           case when el ->> 'error_class' in ('transient', 'rate_limited', 'permanent', 'auth')
                then el ->> 'error_class' else 'transient' end as error_class,
           (el ->> 'retry_at')::timestamptz as retry_at,
           ord
    from elements
  ), target as (
    select x.*, d.client_id, d.platform_id, d.published_at, d.metrics_synced_at, d.metrics_sync_failures
    from parsed x
    join public.distributions d on d.id = x.distribution_id
    where d.status = 'published'
  ), snapshots as (
    insert into public.distribution_metrics (
      distribution_id, client_id, recorded_at, hours_since_publish, impressions, reach, engagements, clicks,
      shares, comments, likes, saves, video_views, video_watch_time_seconds, followers_gained, followers_lost,
      platform_metrics)
    select t.distribution_id, t.client_id, t.recorded_at,
           greatest(floor(extract(epoch from t.recorded_at - t.published_at) / 3600), 0)::integer,
           private.metric_count(t.m -> 'impressions'), private.metric_count(t.m -> 'reach'),
           private.metric_count(t.m -> 'engagements'), private.metric_count(t.m -> 'clicks'),
           private.metric_count(t.m -> 'shares'), private.metric_count(t.m -> 'comments'),
           private.metric_count(t.m -> 'likes'), private.metric_count(t.m -> 'saves'),
           private.metric_count(t.m -> 'video_views'), private.metric_count(t.m -> 'video_watch_time_seconds'),
           private.metric_count(t.m -> 'followers_gained'), private.metric_count(t.m -> 'followers_lost'),
           case when jsonb_typeof(t.m -> 'platform_metrics') = 'object' then t.m -> 'platform_metrics'
                else '{}'::jsonb end
    from target t
    where t.ok
    returning distribution_id
  ), latest as (
    -- One outcome per distribution: its newest successful read, else its newest failure. A read older than the
    -- summary (a late webhook) is kept as a snapshot but does not overwrite the summary.
    select distinct on (t.distribution_id) t.*,
           t.ok and t.recorded_at >= coalesce(t.metrics_synced_at, '-infinity') as apply
    from target t
    order by t.distribution_id, t.ok desc, t.recorded_at desc, t.ord desc
  ), summary as (
    select l.*,
           case when l.apply then private.metric_count(l.m -> 'impressions') end as impressions,
           case when l.apply then private.metric_count(l.m -> 'reach') end as reach,
           case when l.apply then private.metric_count(l.m -> 'engagements') end as engagements,
           case when l.apply then private.metric_count(l.m -> 'clicks') end as clicks,
           case when l.apply then private.metric_count(l.m -> 'shares') end as shares,
           case when l.apply then private.metric_count(l.m -> 'comments') end as comments,
           case when l.apply then private.metric_count(l.m -> 'likes') end as likes,
           case when l.apply then private.metric_count(l.m -> 'saves') end as saves,
           case when l.apply then private.metric_count(l.m -> 'video_views') end as video_views,
           case when l.apply then private.metric_count(l.m -> 'video_watch_time_seconds') end as watch_time,
           case when l.apply and jsonb_typeof(l.m -> 'platform_metrics') = 'object'
                then l.m -> 'platform_metrics' else '{}'::jsonb end as pm
    from latest l
  ), updated as (
    -- The summary holds the latest value the platform reported for each metric (a metric missing from this read
    -- keeps its earlier value; one never reported stays null). The rates trigger recomputes the rates.
    update public.distributions d set
      impressions = coalesce(s.impressions, d.impressions),
      reach = coalesce(s.reach, d.reach),
      engagements = coalesce(s.engagements, d.engagements),
      clicks = coalesce(s.clicks, d.clicks),
      shares = coalesce(s.shares, d.shares),
      comments = coalesce(s.comments, d.comments),
      likes = coalesce(s.likes, d.likes),
      saves = coalesce(s.saves, d.saves),
      video_views = coalesce(s.video_views, d.video_views),
      video_watch_time_seconds = coalesce(s.watch_time, d.video_watch_time_seconds),
      platform_metrics = d.platform_metrics || s.pm,
      metrics_synced_at = case when s.apply then s.recorded_at else d.metrics_synced_at end,
      metrics_sync_failures = case when s.ok then 0 else d.metrics_sync_failures + 1 end,
      metrics_last_error = case when s.ok then null else coalesce(s.error, 'unknown error') end,
      metrics_lease_until = null,
      metrics_next_sync_at = case
        when s.ok then private.metrics_next_sync_at(d.platform_id, d.client_id, d.published_at,
                                                    greatest(s.recorded_at, d.metrics_synced_at))
        when s.error_class = 'permanent' then null
        when s.error_class = 'rate_limited' then greatest(coalesce(s.retry_at, now() + interval '15 minutes'), now())
        when s.error_class = 'auth' then now() + interval '1 hour'
        when d.metrics_sync_failures + 1 >= 10 then null
        else now() + least(interval '15 minutes' * power(2, d.metrics_sync_failures), interval '1 day')
      end
    from summary s
    where d.id = s.distribution_id
    returning d.id, d.client_id, d.platform_id, d.content_id, d.timezone, d.published_at, d.impressions,
              d.engagements, d.clicks, d.shares, d.engagement_rate, d.engagement_base, d.engagement_count, s.apply
  ), platform_changes as (
    select t.platform_id, t.client_id,
           max(t.recorded_at) filter (where t.ok) as synced_at,
           count(*) filter (where t.ok)::integer as synced,
           count(*) filter (where not t.ok)::integer as failed,
           (array_agg(t.error order by t.ord desc) filter (where not t.ok))[1] as last_error,
           (array_agg(t.error order by t.ord desc) filter (where t.error_class = 'auth' and not t.ok))[1] as auth_error,
           max(coalesce(t.retry_at, now() + interval '15 minutes'))
             filter (where t.error_class = 'rate_limited' and not t.ok) as paused_until
    from target t
    group by t.platform_id, t.client_id
  ), platforms_updated as (
    update public.platforms p set
      last_metrics_sync_at = greatest(p.last_metrics_sync_at, c.synced_at),
      metrics_last_error = coalesce(c.last_error, p.metrics_last_error),
      metrics_last_error_at = case when c.failed > 0 then now() else p.metrics_last_error_at end,
      metrics_paused_until = case when c.paused_until is not null
                                  then greatest(p.metrics_paused_until, c.paused_until) else p.metrics_paused_until end,
      needs_reconnection = p.needs_reconnection or c.auth_error is not null,
      reconnection_reason = case when c.auth_error is not null then c.auth_error else p.reconnection_reason end
    from platform_changes c
    where p.id = c.platform_id
    returning p.id
  ), stats as (
    insert into public.metrics_sync_stats as s (platform_id, client_id, hour, synced, failed)
    select c.platform_id, c.client_id, date_bin(interval '1 hour', now(), timestamptz '2000-01-01 00:00:00+00'),
           c.synced, c.failed
    from platform_changes c
    on conflict (platform_id, hour) do update
      set synced = s.synced + excluded.synced, failed = s.failed + excluded.failed
    returning s.platform_id
  ), patterns as materialized (
    select pp.id, pp.client_id, pp.platform_id,
           case when pp.pattern_type = 'timing' then private.timing_slots(pp.pattern_template) end as slots
    from public.platform_patterns pp
    where pp.platform_id in (select u.platform_id from updated u where u.apply)
  ), feedback as (
    insert into public.pattern_feedback as f (
      client_id, pattern_id, content_id, distribution_id, pattern_applied, impressions, engagements, clicks,
      shares, engagement_rate, engagement_base, engagement_count, posted_at, day_of_week, hour_of_day)
    select u.client_id, pt.id, u.content_id, u.id,
           exists (select 1 from public.distribution_patterns dp where dp.distribution_id = u.id and dp.pattern_id = pt.id)
             or coalesce(exists (
                  select 1 from jsonb_array_elements(pt.slots) sl
                  where sl -> 'day_of_week' = to_jsonb(l.dow) and sl -> 'hour' = to_jsonb(l.hour)), false),
           u.impressions, u.engagements, u.clicks, u.shares, u.engagement_rate, u.engagement_base,
           u.engagement_count, u.published_at, l.dow, l.hour
    from updated u
    join patterns pt on pt.platform_id = u.platform_id
    cross join lateral (
      select extract(dow from u.published_at at time zone u.timezone)::smallint as dow,
             extract(hour from u.published_at at time zone u.timezone)::smallint as hour
    ) l
    where u.apply and u.engagement_rate is not null
    on conflict (pattern_id, distribution_id) do update set
      pattern_applied = excluded.pattern_applied, content_id = excluded.content_id,
      impressions = excluded.impressions, engagements = excluded.engagements, clicks = excluded.clicks,
      shares = excluded.shares, engagement_rate = excluded.engagement_rate,
      engagement_base = excluded.engagement_base, engagement_count = excluded.engagement_count,
      posted_at = excluded.posted_at, day_of_week = excluded.day_of_week, hour_of_day = excluded.hour_of_day
    returning f.id
  )
  select jsonb_build_object(
    'recorded', (select count(*) from snapshots),
    'failed', (select count(*) from updated u join summary s on s.distribution_id = u.id where not s.ok),
    'ignored', coalesce((select jsonb_agg(distinct x.distribution_id) from parsed x
                         where not exists (select 1 from target t where t.distribution_id = x.distribution_id)),
                        '[]'::jsonb),
    'feedback', (select count(*) from feedback),
    'platforms', (select count(*) from platforms_updated) + 0 * (select count(*) from stats)
  ) into v_result;
  return v_result;
end
$$;

COMMENT ON FUNCTION private.record_metrics(p_batch jsonb) IS 'Records a batch of metric reads and failures in one statement (snapshots, summary and rates, backoff, platform health, hourly stats, pattern_feedback in the distribution''s time zone). supabase/schemas/300_record_metrics.sql describes p_batch.';

REVOKE ALL ON FUNCTION private.record_metrics(p_batch jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION private.record_metrics(p_batch jsonb) TO service_role;

CREATE FUNCTION private.timing_slots(p_template text) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $$
declare
  v jsonb;
begin
  v := p_template::jsonb;
  return case when jsonb_typeof(v) = 'array' then v end;
exception when others then
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.timing_slots(p_template text) FROM PUBLIC;

-- ==== supabase/schemas/310_conversions.sql

-- Conversions: clicks and conversions attributed to distributions through their UTM parameters.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TABLE public.conversions (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    distribution_id uuid,
    utm_source text,
    utm_medium text,
    utm_campaign text,
    utm_content text,
    value numeric DEFAULT 0 NOT NULL,
    currency text DEFAULT 'USD'::text NOT NULL,
    occurred_at timestamp with time zone DEFAULT now() NOT NULL,
    external_ref text,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT conversions_currency_check CHECK ((currency ~ '^[A-Z]{3}$'::text)),
    CONSTRAINT conversions_metadata_check CHECK ((jsonb_typeof(metadata) = 'object'::text)),
    CONSTRAINT conversions_value_check CHECK ((value >= (0)::numeric))
);

COMMENT ON TABLE public.conversions IS 'Conversions attributed (where possible) to the distribution whose link brought the visitor; recorded through public.record_conversion(jsonb). distribution_id null = unattributed.';

COMMENT ON COLUMN public.conversions.utm_source IS 'The platform kind the visitor came from (x, linkedin, email...).';

COMMENT ON COLUMN public.conversions.utm_campaign IS 'The cross-post group id, or the content id when the post had no group.';

COMMENT ON COLUMN public.conversions.utm_content IS 'The distribution id.';

COMMENT ON COLUMN public.conversions.value IS 'Monetary value of the conversion in currency (0 for a non-monetary goal).';

COMMENT ON COLUMN public.conversions.external_ref IS 'The caller''s id for the conversion (order id...): recording it again returns the existing row (idempotent).';

ALTER TABLE ONLY public.conversions
    ADD CONSTRAINT conversions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.conversions
    ADD CONSTRAINT conversions_client_external_ref_key UNIQUE (client_id, external_ref);

CREATE INDEX idx_conversions_distribution ON public.conversions USING btree (distribution_id, occurred_at);

CREATE INDEX idx_conversions_client_occurred ON public.conversions USING btree (client_id, occurred_at);

ALTER TABLE public.conversions ENABLE ROW LEVEL SECURITY;

CREATE POLICY conversions_delete ON public.conversions FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY conversions_insert ON public.conversions FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY conversions_select ON public.conversions FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY conversions_update ON public.conversions FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.conversions TO authenticated;
GRANT ALL ON TABLE public.conversions TO service_role;

ALTER TABLE ONLY public.conversions
    ADD CONSTRAINT conversions_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.conversions
    ADD CONSTRAINT conversions_distribution_fkey FOREIGN KEY (distribution_id, client_id) REFERENCES public.distributions(id, client_id) ON DELETE SET NULL (distribution_id);

CREATE FUNCTION private.rollup_conversions() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if tg_op in ('UPDATE', 'DELETE') and old.distribution_id is not null then
    update public.distributions d
       set conversions = greatest(d.conversions - 1, 0), conversion_value = greatest(d.conversion_value - old.value, 0)
     where d.id = old.distribution_id;
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.distribution_id is not null then
    update public.distributions d
       set conversions = d.conversions + 1, conversion_value = d.conversion_value + new.value
     where d.id = new.distribution_id;
  end if;
  return null;
end
$$;

CREATE TRIGGER conversions_rollup AFTER INSERT OR DELETE OR UPDATE OF distribution_id, value ON public.conversions FOR EACH ROW EXECUTE FUNCTION private.rollup_conversions();

REVOKE ALL ON FUNCTION private.rollup_conversions() FROM PUBLIC;

CREATE FUNCTION public.record_conversion(p jsonb) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $_$
declare
  v_uuid constant text := '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
  v_occurred timestamptz := coalesce((p ->> 'occurred_at')::timestamptz, now());
  v_client uuid := (p ->> 'client_id')::uuid;
  v_dist uuid;
  v_dist_client uuid;
  v_matched text;
  v_campaign text := nullif(btrim(p ->> 'utm_campaign'), '');
  v_source text := lower(nullif(btrim(p ->> 'utm_source'), ''));
  v_content text := nullif(btrim(p ->> 'utm_content'), '');
  v_id uuid;
  v_existing public.conversions;
begin
  if jsonb_typeof(p) is distinct from 'object' then
    raise exception 'record_conversion expects a JSON object' using errcode = 'invalid_parameter_value';
  end if;

  if p ->> 'distribution_id' is not null then
    select d.id, d.client_id into v_dist, v_dist_client
    from public.distributions d where d.id = (p ->> 'distribution_id')::uuid;
    if v_dist is null then
      raise exception 'distribution % not found', p ->> 'distribution_id' using errcode = 'no_data_found';
    end if;
    v_matched := 'id';
  elsif v_content ~ v_uuid then
    select d.id, d.client_id into v_dist, v_dist_client
    from public.distributions d
    where d.id = v_content::uuid and (v_client is null or d.client_id = v_client);
    v_matched := case when v_dist is not null then 'utm_content' end;
  end if;

  if v_dist is null and v_campaign ~ v_uuid and v_source is not null then
    select d.id, d.client_id into v_dist, v_dist_client
    from public.distributions d
    join public.platforms pl on pl.id = d.platform_id
    where (d.cross_post_group_id = v_campaign::uuid or d.content_id = v_campaign::uuid)
      and pl.kind = v_source
      and (v_client is null or d.client_id = v_client)
      and d.status = 'published'
    order by (d.published_at <= v_occurred) desc, d.published_at desc, d.id
    limit 1;
    v_matched := case when v_dist is not null then 'utm' end;
  end if;

  if v_client is not null and v_dist_client is not null and v_client <> v_dist_client then
    raise exception 'distribution % does not belong to client %', v_dist, v_client using errcode = 'invalid_parameter_value';
  end if;
  v_client := coalesce(v_dist_client, v_client);
  if v_client is null then
    raise exception 'no distribution matched and no client_id given' using errcode = 'invalid_parameter_value';
  end if;

  insert into public.conversions (client_id, distribution_id, utm_source, utm_medium, utm_campaign, utm_content,
                                  value, currency, occurred_at, external_ref, metadata)
  values (v_client, v_dist, v_source, p ->> 'utm_medium', v_campaign, v_content,
          coalesce((p ->> 'value')::numeric, 0), upper(coalesce(p ->> 'currency', 'USD')), v_occurred,
          p ->> 'external_ref', coalesce(p -> 'metadata', '{}'::jsonb))
  on conflict (client_id, external_ref) do nothing
  returning id into v_id;

  if v_id is null then
    select * into v_existing from public.conversions c
    where c.client_id = v_client and c.external_ref = p ->> 'external_ref';
    return jsonb_build_object('id', v_existing.id, 'client_id', v_existing.client_id,
                              'distribution_id', v_existing.distribution_id, 'matched_by', v_matched,
                              'duplicate', true);
  end if;
  return jsonb_build_object('id', v_id, 'client_id', v_client, 'distribution_id', v_dist,
                            'matched_by', v_matched, 'duplicate', false);
end
$_$;

COMMENT ON FUNCTION public.record_conversion(p jsonb) IS 'Records a conversion, attributed by distribution_id, utm_content (distribution id) or utm_campaign (cross-post group or content id) + utm_source (platform kind). Idempotent on (client_id, external_ref). Runs with the caller''s rights: members with owner/editor role, or the service role.';

REVOKE ALL ON FUNCTION public.record_conversion(p jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION public.record_conversion(p jsonb) TO authenticated;
GRANT ALL ON FUNCTION public.record_conversion(p jsonb) TO service_role;

-- ==== supabase/schemas/320_statistics.sql

-- Statistics helpers for the reports and A/B tests (normal CDF, two-proportion p-value).

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION public.normal_cdf(z double precision) RETURNS double precision
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO ''
    AS $$
  select case when z >= 0 then 1 - 0.5 * public.normal_two_sided_p(z) else 0.5 * public.normal_two_sided_p(z) end
$$;

COMMENT ON FUNCTION public.normal_cdf(z double precision) IS 'Standard normal cumulative distribution function Phi(z) (erfc approximation, relative error < 1.2e-7).';

REVOKE ALL ON FUNCTION public.normal_cdf(z double precision) FROM PUBLIC;
GRANT ALL ON FUNCTION public.normal_cdf(z double precision) TO authenticated;
GRANT ALL ON FUNCTION public.normal_cdf(z double precision) TO service_role;

CREATE FUNCTION public.normal_two_sided_p(z double precision) RETURNS double precision
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO ''
    AS $$
  select case when x > 26 then 0::double precision  -- exp() would underflow; erfc(26) < 1e-295
  else t * exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
           + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))) end
  from (select abs(z) / sqrt(2.0::double precision) as x) a,
       lateral (select 1.0 / (1.0 + 0.5 * a.x) as t) b
$$;

COMMENT ON FUNCTION public.normal_two_sided_p(z double precision) IS 'Two-sided tail probability of the standard normal: P(|Z| >= |z|) = erfc(|z| / sqrt 2) (relative error < 1.2e-7).';

REVOKE ALL ON FUNCTION public.normal_two_sided_p(z double precision) FROM PUBLIC;
GRANT ALL ON FUNCTION public.normal_two_sided_p(z double precision) TO authenticated;
GRANT ALL ON FUNCTION public.normal_two_sided_p(z double precision) TO service_role;

CREATE FUNCTION public.two_proportion_p_value(x1 numeric, n1 numeric, x2 numeric, n2 numeric) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $$
  select case
    when n1 is null or n2 is null or x1 is null or x2 is null or n1 <= 0 or n2 <= 0
      or x1 < 0 or x2 < 0 or x1 > n1 or x2 > n2 then null
    when (x1 + x2) = 0 or (x1 + x2) = (n1 + n2) then null
    else public.normal_two_sided_p(
      ((x1 / n1) - (x2 / n2))::double precision
      / sqrt((((x1 + x2) / (n1 + n2)) * (1 - (x1 + x2) / (n1 + n2)) * (1 / n1 + 1 / n2))::double precision))
  end
$$;

COMMENT ON FUNCTION public.two_proportion_p_value(x1 numeric, n1 numeric, x2 numeric, n2 numeric) IS 'Two-sided p-value of the pooled two-proportion z-test (x1 of n1 vs x2 of n2). Treats every unit of the denominator (impression, view, delivered email) as an independent trial.';

REVOKE ALL ON FUNCTION public.two_proportion_p_value(x1 numeric, n1 numeric, x2 numeric, n2 numeric) FROM PUBLIC;
GRANT ALL ON FUNCTION public.two_proportion_p_value(x1 numeric, n1 numeric, x2 numeric, n2 numeric) TO authenticated;
GRANT ALL ON FUNCTION public.two_proportion_p_value(x1 numeric, n1 numeric, x2 numeric, n2 numeric) TO service_role;

-- ==== supabase/schemas/330_report_views.sql

-- Report views: performance by platform, best posting times, failed distributions, the calendar overview.

CREATE VIEW public.best_performing_times WITH (security_invoker=true) AS
 SELECT p.name AS platform,
    EXTRACT(dow FROM (d.published_at AT TIME ZONE d.timezone)) AS day_of_week,
    EXTRACT(hour FROM (d.published_at AT TIME ZONE d.timezone)) AS hour,
    count(*) AS posts,
    round(avg(d.engagement_rate), 2) AS avg_engagement
   FROM distributions d
     JOIN platforms p ON d.platform_id = p.id
  WHERE d.status = 'published'::text AND d.published_at > (now() - '90 days'::interval) AND d.engagement_rate IS NOT NULL
  GROUP BY p.id, p.name, (EXTRACT(dow FROM (d.published_at AT TIME ZONE d.timezone))), (EXTRACT(hour FROM (d.published_at AT TIME ZONE d.timezone)))
 HAVING count(*) >= 3
  ORDER BY p.name, (round(avg(d.engagement_rate), 2)) DESC;

COMMENT ON VIEW public.best_performing_times IS 'Seed report "Best Performing Times": engagement by day of week (0 = Sunday) and hour of publication in the distribution''s own time zone, last 90 days, slots with at least 3 posts.';

GRANT SELECT ON TABLE public.best_performing_times TO authenticated;
GRANT SELECT ON TABLE public.best_performing_times TO service_role;

CREATE VIEW public.distribution_performance_by_platform WITH (security_invoker=true) AS
 SELECT p.name AS platform,
    count(d.id) AS total_posts,
    round(avg(d.impressions), 0) AS avg_impressions,
    round(avg(d.engagement_rate), 2) AS avg_engagement_rate,
    round(avg(d.click_through_rate), 2) AS avg_ctr,
    sum(d.clicks) AS total_clicks
   FROM distributions d
     JOIN platforms p ON d.platform_id = p.id
  WHERE d.status = 'published'::text AND d.published_at > (now() - '30 days'::interval)
  GROUP BY p.id, p.name
  ORDER BY (round(avg(d.engagement_rate), 2)) DESC;

COMMENT ON VIEW public.distribution_performance_by_platform IS 'Seed report "Distribution Performance by Platform": published posts of the last 30 days per platform. Averages skip metrics the platform did not report (null), never counting them as 0.';

GRANT SELECT ON TABLE public.distribution_performance_by_platform TO authenticated;
GRANT SELECT ON TABLE public.distribution_performance_by_platform TO service_role;

CREATE VIEW public.failed_distributions WITH (security_invoker=true) AS
 SELECT d.id,
    p.name AS platform,
    d.title,
    d.scheduled_for,
    d.error_message,
    d.retry_count
   FROM distributions d
     JOIN platforms p ON d.platform_id = p.id
  WHERE d.status = 'failed'::text
  ORDER BY d.scheduled_for DESC
 LIMIT 20;

COMMENT ON VIEW public.failed_distributions IS 'Seed report "Failed Distributions": the 20 most recently scheduled failed posts and why they failed.';

GRANT SELECT ON TABLE public.failed_distributions TO authenticated;
GRANT SELECT ON TABLE public.failed_distributions TO service_role;

CREATE VIEW public.publishing_calendar_overview WITH (security_invoker=true) AS
 SELECT pc.date,
    p.name AS platform,
    count(pc.distribution_id) AS scheduled_posts,
    array_agg(pc.time_slot ORDER BY pc.time_slot) AS time_slots
   FROM publishing_calendar pc
     JOIN platforms p ON pc.platform_id = p.id
  WHERE pc.date >= (now() AT TIME ZONE pc.timezone)::date AND pc.date <= ((now() AT TIME ZONE pc.timezone)::date + 7)
  GROUP BY pc.date, p.id, p.name
  ORDER BY pc.date, p.name;

COMMENT ON VIEW public.publishing_calendar_overview IS 'Seed report "Publishing Calendar Overview": per day and platform for the next 7 days (today = the slot''s local date), the slots and how many hold a post.';

GRANT SELECT ON TABLE public.publishing_calendar_overview TO authenticated;
GRANT SELECT ON TABLE public.publishing_calendar_overview TO service_role;

-- ==== supabase/schemas/340_analytics_views.sql

-- Analytics views: content performance, conversions, cross-post groups, A/B test results, pattern lift.

CREATE VIEW public.ab_test_results WITH (security_invoker=true) AS
 WITH variants AS (
         SELECT d.client_id,
            d.variant_group,
            COALESCE(NULLIF(d.platform_specific ->> 'variant'::text, ''::text),
                CASE
                    WHEN d.is_control THEN 'control'::text
                    ELSE d.id::text
                END) AS variant,
            bool_or(d.is_control) AS is_control,
            count(*) AS posts,
            count(*) FILTER (WHERE d.status = 'published'::text) AS published_posts,
            array_agg(d.id ORDER BY d.published_at, d.id) AS distribution_ids,
            sum(d.impressions) AS impressions,
            sum(d.engagements) AS engagements,
            sum(d.clicks) AS clicks,
            sum(d.engagement_base) FILTER (WHERE d.engagement_count IS NOT NULL AND d.engagement_base > 0) AS eng_n,
            sum(d.engagement_count) FILTER (WHERE d.engagement_count IS NOT NULL AND d.engagement_base > 0) AS eng_x,
            sum(d.engagement_base) FILTER (WHERE d.clicks IS NOT NULL AND d.engagement_base > 0) AS click_n,
            sum(d.clicks) FILTER (WHERE d.clicks IS NOT NULL AND d.engagement_base > 0) AS click_x,
            min(d.published_at) AS first_published_at
           FROM distributions d
          WHERE d.variant_group IS NOT NULL
          GROUP BY d.client_id, d.variant_group, (COALESCE(NULLIF(d.platform_specific ->> 'variant'::text, ''::text),
                CASE
                    WHEN d.is_control THEN 'control'::text
                    ELSE d.id::text
                END))
        ), controls AS (
         SELECT v.client_id,
            v.variant_group,
            sum(v.eng_n) AS eng_n,
            sum(v.eng_x) AS eng_x,
            sum(v.click_n) AS click_n,
            sum(v.click_x) AS click_x
           FROM variants v
          WHERE v.is_control
          GROUP BY v.client_id, v.variant_group
        ), rated AS (
         SELECT v.client_id,
            v.variant_group,
            v.variant,
            v.is_control,
            v.posts,
            v.published_posts,
            v.distribution_ids,
            v.impressions,
            v.engagements,
            v.clicks,
            v.eng_n,
            v.eng_x,
            v.click_n,
            v.click_x,
            v.first_published_at,
            round(100.0 * v.eng_x::numeric / NULLIF(v.eng_n, 0)::numeric, 4) AS engagement_rate,
            round(100.0 * v.click_x::numeric / NULLIF(v.click_n, 0)::numeric, 4) AS click_through_rate,
            round(100.0 * c.eng_x / NULLIF(c.eng_n, 0::numeric), 4) AS control_engagement_rate,
            round(100.0 * c.click_x / NULLIF(c.click_n, 0::numeric), 4) AS control_click_through_rate,
            c.eng_n AS c_eng_n,
            c.eng_x AS c_eng_x,
            c.click_n AS c_click_n,
            c.click_x AS c_click_x
           FROM variants v
             LEFT JOIN controls c ON c.client_id = v.client_id AND c.variant_group = v.variant_group
        )
 SELECT r.client_id,
    r.variant_group,
    r.variant,
    r.is_control,
    r.posts,
    r.published_posts,
    r.distribution_ids,
    r.impressions,
    r.engagements,
    r.clicks,
    r.eng_n AS engagement_base,
    r.eng_x AS engagement_count,
    r.engagement_rate,
    r.click_through_rate,
        CASE
            WHEN NOT r.is_control THEN r.engagement_rate - r.control_engagement_rate
            ELSE NULL::numeric
        END AS engagement_rate_diff,
        CASE
            WHEN NOT r.is_control THEN round(100.0 * (r.engagement_rate / NULLIF(r.control_engagement_rate, 0::numeric) - 1::numeric), 2)
            ELSE NULL::numeric
        END AS engagement_lift_pct,
        CASE
            WHEN NOT r.is_control THEN r.click_through_rate - r.control_click_through_rate
            ELSE NULL::numeric
        END AS ctr_diff,
        CASE
            WHEN NOT r.is_control THEN two_proportion_p_value(r.eng_x::numeric, r.eng_n::numeric, r.c_eng_x, r.c_eng_n)
            ELSE NULL::double precision
        END AS engagement_p_value,
        CASE
            WHEN NOT r.is_control THEN two_proportion_p_value(r.click_x::numeric, r.click_n::numeric, r.c_click_x, r.c_click_n)
            ELSE NULL::double precision
        END AS ctr_p_value,
    r.first_published_at
   FROM rated r;

COMMENT ON VIEW public.ab_test_results IS 'A/B tests: one row per variant of each variant_group (variant = platform_specific.variant, else "control" for is_control rows, else the distribution id): posts, totals, pooled rates, difference to the control (percentage points and relative lift) and the two-sided p-value of a two-proportion z-test against the control (engagements and clicks per engagement_base unit). Conclusions: table ab_tests.';

GRANT SELECT ON TABLE public.ab_test_results TO authenticated;
GRANT SELECT ON TABLE public.ab_test_results TO service_role;

CREATE VIEW public.content_performance WITH (security_invoker=true) AS
 SELECT c.id AS content_id,
    c.client_id,
    c.title,
    c.status,
    c.content_type,
    count(d.id) AS distributions,
    count(d.id) FILTER (WHERE d.status = 'published'::text) AS published,
    array_agg(DISTINCT p.name) FILTER (WHERE d.status = 'published'::text) AS platforms,
    min(d.published_at) AS first_published_at,
    sum(d.impressions) AS impressions,
    sum(d.video_views) AS video_views,
    sum(d.engagements) AS engagements,
    sum(d.clicks) AS clicks,
    sum(d.conversions) AS conversions,
    sum(d.conversion_value) AS conversion_value,
    round(avg(d.engagement_rate), 2) AS avg_engagement_rate,
    round(100.0 * sum(d.engagement_count) FILTER (WHERE d.engagement_count IS NOT NULL AND d.engagement_base > 0)::numeric / NULLIF(sum(d.engagement_base) FILTER (WHERE d.engagement_count IS NOT NULL AND d.engagement_base > 0), 0)::numeric, 4) AS engagement_rate,
    (array_agg(p.name ORDER BY d.engagement_rate DESC) FILTER (WHERE d.engagement_rate IS NOT NULL))[1] AS best_platform,
    max(d.engagement_rate) AS best_engagement_rate
   FROM generated_content c
     LEFT JOIN distributions d ON d.content_id = c.id
     LEFT JOIN platforms p ON p.id = d.platform_id
  GROUP BY c.id, c.client_id;

COMMENT ON VIEW public.content_performance IS 'Per piece of content, across every platform it went to: posts, totals, average and pooled engagement rate, and the platform where it engaged best.';

GRANT SELECT ON TABLE public.content_performance TO authenticated;
GRANT SELECT ON TABLE public.content_performance TO service_role;

CREATE VIEW public.conversion_report WITH (security_invoker=true) AS
 SELECT d.id AS distribution_id,
    d.client_id,
    d.platform_id,
    p.name AS platform,
    p.kind,
    d.title,
    d.cross_post_group_id,
    d.content_id,
    d.published_at,
    d.clicks,
    d.conversions,
    d.conversion_value,
    round(100.0 * d.conversions::numeric / NULLIF(d.clicks, 0)::numeric, 4) AS conversion_rate
   FROM distributions d
     JOIN platforms p ON p.id = d.platform_id
  WHERE d.status = 'published'::text;

COMMENT ON VIEW public.conversion_report IS 'Clicks -> conversions per published distribution: conversion_rate = 100 * conversions / clicks (null when the platform reported no clicks). Conversions and value come from the rollup kept on distributions.';

GRANT SELECT ON TABLE public.conversion_report TO authenticated;
GRANT SELECT ON TABLE public.conversion_report TO service_role;

CREATE VIEW public.cross_post_group_summary WITH (security_invoker=true) AS
 SELECT g.id AS cross_post_group_id,
    g.client_id,
    g.name,
    g.status,
    g.timing_strategy,
    g.source_content_id,
    count(d.id) AS distributions,
    count(d.id) FILTER (WHERE d.status = 'published'::text) AS published,
    count(d.id) FILTER (WHERE d.status = 'failed'::text) AS failed,
    count(d.id) FILTER (WHERE d.status = ANY (ARRAY['draft'::text, 'scheduled'::text, 'publishing'::text, 'unconfirmed'::text])) AS pending,
    array_agg(DISTINCT p.name) FILTER (WHERE p.name IS NOT NULL) AS platforms,
    min(d.published_at) AS first_published_at,
    max(d.published_at) AS last_published_at,
    sum(d.impressions) AS impressions,
    sum(d.engagements) AS engagements,
    sum(d.clicks) AS clicks,
    sum(d.conversions) AS conversions,
    round(100.0 * sum(d.engagement_count) FILTER (WHERE d.engagement_count IS NOT NULL AND d.engagement_base > 0)::numeric / NULLIF(sum(d.engagement_base) FILTER (WHERE d.engagement_count IS NOT NULL AND d.engagement_base > 0), 0)::numeric, 4) AS engagement_rate,
    round(100.0 * sum(d.clicks) FILTER (WHERE d.clicks IS NOT NULL AND d.engagement_base > 0)::numeric / NULLIF(sum(d.engagement_base) FILTER (WHERE d.clicks IS NOT NULL AND d.engagement_base > 0), 0)::numeric, 4) AS click_through_rate
   FROM cross_post_groups g
     LEFT JOIN distributions d ON d.cross_post_group_id = g.id
     LEFT JOIN platforms p ON p.id = d.platform_id
  GROUP BY g.id, g.client_id;

COMMENT ON VIEW public.cross_post_group_summary IS 'Per cross-post group: its posts by state, platforms, first/last publication, totals and pooled rates.';

GRANT SELECT ON TABLE public.cross_post_group_summary TO authenticated;
GRANT SELECT ON TABLE public.cross_post_group_summary TO service_role;

CREATE VIEW public.pattern_lift WITH (security_invoker=true) AS
 SELECT pp.id AS pattern_id,
    pp.client_id,
    pp.platform_id,
    p.name AS platform,
    pp.pattern_type,
    pp.pattern_name,
    a.posts_applied,
    a.posts_not_applied,
    round(a.avg_rate_applied, 4) AS avg_engagement_rate_applied,
    round(a.avg_rate_not_applied, 4) AS avg_engagement_rate_not_applied,
    round(100.0 * a.x1::numeric / NULLIF(a.n1, 0)::numeric, 4) AS engagement_rate_applied,
    round(100.0 * a.x0::numeric / NULLIF(a.n0, 0)::numeric, 4) AS engagement_rate_not_applied,
    round(100.0 * (a.x1 / NULLIF(a.n1, 0) / NULLIF(a.x0 / NULLIF(a.n0, 0), 0) - 1)::numeric, 2) AS lift_pct,
    two_proportion_p_value(a.x1::numeric, a.n1::numeric, a.x0::numeric, a.n0::numeric) AS p_value
   FROM platform_patterns pp
     JOIN platforms p ON p.id = pp.platform_id
     CROSS JOIN LATERAL ( SELECT count(*) FILTER (WHERE f.pattern_applied) AS posts_applied,
            count(*) FILTER (WHERE NOT f.pattern_applied) AS posts_not_applied,
            avg(f.engagement_rate) FILTER (WHERE f.pattern_applied) AS avg_rate_applied,
            avg(f.engagement_rate) FILTER (WHERE NOT f.pattern_applied) AS avg_rate_not_applied,
            sum(f.engagement_count) FILTER (WHERE f.pattern_applied AND f.engagement_base > 0) AS x1,
            sum(f.engagement_base) FILTER (WHERE f.pattern_applied AND f.engagement_base > 0 AND f.engagement_count IS NOT NULL) AS n1,
            sum(f.engagement_count) FILTER (WHERE NOT f.pattern_applied AND f.engagement_base > 0) AS x0,
            sum(f.engagement_base) FILTER (WHERE NOT f.pattern_applied AND f.engagement_base > 0 AND f.engagement_count IS NOT NULL) AS n0
           FROM pattern_feedback f
          WHERE f.pattern_id = pp.id) a;

COMMENT ON VIEW public.pattern_lift IS 'Per platform pattern: engagement of posts where it was applied versus not (mean of rates and pooled rate), the lift of the pooled rate (percent) and its two-sided two-proportion z-test p-value (as in ab_test_results).';

GRANT SELECT ON TABLE public.pattern_lift TO authenticated;
GRANT SELECT ON TABLE public.pattern_lift TO service_role;

-- ==== supabase/schemas/350_ab_tests.sql

-- A/B tests: variant groups and their conclusion.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TABLE public.ab_tests (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    variant_group text NOT NULL,
    status text DEFAULT 'running'::text NOT NULL,
    result text,
    winner_variant text,
    winner_distribution_id uuid,
    p_value double precision,
    alpha numeric,
    started_at timestamp with time zone,
    concluded_at timestamp with time zone,
    variants jsonb DEFAULT '[]'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT ab_tests_concluded_check CHECK (((status = 'concluded'::text) = ((result IS NOT NULL) AND (concluded_at IS NOT NULL)))),
    CONSTRAINT ab_tests_result_check CHECK ((result = ANY (ARRAY['winner'::text, 'no_difference'::text]))),
    CONSTRAINT ab_tests_status_check CHECK ((status = ANY (ARRAY['running'::text, 'concluded'::text]))),
    CONSTRAINT ab_tests_winner_check CHECK (((result = 'winner'::text) = (winner_variant IS NOT NULL)))
);

COMMENT ON TABLE public.ab_tests IS 'State of each A/B test (variant_group): running, or concluded with a winner or no_difference. The winner''s body is reusable from winner_distribution_id. Written by private.conclude_ab_tests.';

COMMENT ON COLUMN public.ab_tests.winner_distribution_id IS 'A distribution of the winning variant (its body and title can be reused).';

COMMENT ON COLUMN public.ab_tests.p_value IS 'The deciding (smallest) engagement p-value against the control at the last evaluation.';

COMMENT ON COLUMN public.ab_tests.variants IS 'Snapshot of ab_test_results for the group at the last evaluation.';

ALTER TABLE ONLY public.ab_tests
    ADD CONSTRAINT ab_tests_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.ab_tests
    ADD CONSTRAINT ab_tests_client_group_key UNIQUE (client_id, variant_group);

CREATE INDEX idx_ab_tests_winner_distribution ON public.ab_tests USING btree (winner_distribution_id);

ALTER TABLE public.ab_tests ENABLE ROW LEVEL SECURITY;

CREATE POLICY ab_tests_select ON public.ab_tests FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

GRANT SELECT ON TABLE public.ab_tests TO authenticated;
GRANT ALL ON TABLE public.ab_tests TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.ab_tests FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

ALTER TABLE ONLY public.ab_tests
    ADD CONSTRAINT ab_tests_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.ab_tests
    ADD CONSTRAINT ab_tests_winner_distribution_fkey FOREIGN KEY (winner_distribution_id, client_id) REFERENCES public.distributions(id, client_id) ON DELETE SET NULL (winner_distribution_id);

CREATE FUNCTION private.conclude_ab_tests(p_alpha numeric DEFAULT 0.05, p_max_days integer DEFAULT 14, p_min_base bigint DEFAULT 1000) RETURNS TABLE(client_id uuid, variant_group text, status text, result text, winner_variant text, p_value double precision)
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  with r as (
    select * from public.ab_test_results
  ), g as (
    select r.client_id, r.variant_group, min(r.first_published_at) as started_at,
           count(*) filter (where not r.is_control) as k,
           count(*) filter (where r.is_control) as controls,
           coalesce(min(r.engagement_base), 0) as min_base,
           min(r.engagement_p_value) as min_p,
           jsonb_agg(to_jsonb(r) - 'client_id' - 'variant_group' order by r.is_control desc, r.variant) as variants
    from r group by r.client_id, r.variant_group
  ), sig as (
    select r.*, g.k from r join g on g.client_id = r.client_id and g.variant_group = r.variant_group
    where not r.is_control and g.min_base >= p_min_base
      and r.engagement_p_value < p_alpha / greatest(g.k, 1)
  ), decided as (
    select g.*,
      coalesce(
        (select s.variant from sig s where s.client_id = g.client_id and s.variant_group = g.variant_group
           and s.engagement_rate_diff > 0 order by s.engagement_rate desc, s.variant limit 1),
        case when g.k > 0 and (select count(*) from sig s where s.client_id = g.client_id
                                 and s.variant_group = g.variant_group and s.engagement_rate_diff < 0) = g.k
             then (select r.variant from r where r.client_id = g.client_id and r.variant_group = g.variant_group
                     and r.is_control limit 1) end) as winner
    from g
    where g.controls = 1 and g.started_at is not null
  ), upserted as (
    insert into public.ab_tests as t (client_id, variant_group, status, result, winner_variant, winner_distribution_id,
                                      p_value, alpha, started_at, concluded_at, variants)
    select d.client_id, d.variant_group,
           case when d.winner is not null or d.started_at <= now() - make_interval(days => p_max_days)
                then 'concluded' else 'running' end,
           case when d.winner is not null then 'winner'
                when d.started_at <= now() - make_interval(days => p_max_days) then 'no_difference' end,
           d.winner,
           (select r.distribution_ids[1] from r where r.client_id = d.client_id
              and r.variant_group = d.variant_group and r.variant = d.winner),
           d.min_p, p_alpha, d.started_at,
           case when d.winner is not null or d.started_at <= now() - make_interval(days => p_max_days)
                then now() end,
           d.variants
    from decided d
    on conflict on constraint ab_tests_client_group_key do update set
      status = excluded.status, result = excluded.result, winner_variant = excluded.winner_variant,
      winner_distribution_id = excluded.winner_distribution_id, p_value = excluded.p_value, alpha = excluded.alpha,
      started_at = excluded.started_at, concluded_at = excluded.concluded_at, variants = excluded.variants
    where t.status = 'running'
    returning t.client_id, t.variant_group, t.status, t.result, t.winner_variant, t.p_value
  )
  select * from upserted
$$;

COMMENT ON FUNCTION private.conclude_ab_tests(p_alpha numeric, p_max_days integer, p_min_base bigint) IS 'Evaluates every A/B test with one control: concludes it with a winner (significant at p_alpha, Bonferroni over its variants, once each variant has p_min_base engagement_base units) or no_difference after p_max_days; otherwise records it as running. Concluded tests are never reopened. Returns the tests evaluated.';

REVOKE ALL ON FUNCTION private.conclude_ab_tests(p_alpha numeric, p_max_days integer, p_min_base bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION private.conclude_ab_tests(p_alpha numeric, p_max_days integer, p_min_base bigint) TO service_role;

-- ==== supabase/schemas/380_report_rollups.sql

-- Conversion rollups: per platform, client and month, kept current by triggers so reports read little.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TYPE private.conversion_rollup_row AS (
	client_id uuid,
	platform_id uuid,
	published_at timestamp with time zone,
	clicks integer,
	conversions integer,
	conversion_value numeric
);

CREATE TABLE public.conversion_rollups (
    platform_id uuid NOT NULL,
    client_id uuid NOT NULL,
    month date NOT NULL,
    posts bigint DEFAULT 0 NOT NULL,
    clicks bigint DEFAULT 0 NOT NULL,
    posts_with_clicks bigint DEFAULT 0 NOT NULL,
    conversions bigint DEFAULT 0 NOT NULL,
    conversions_with_clicks bigint DEFAULT 0 NOT NULL,
    conversion_value numeric DEFAULT 0 NOT NULL
);

COMMENT ON TABLE public.conversion_rollups IS 'Rollup of published distributions per platform and month of publication (in the platform''s time zone) behind conversion_report_by_platform; kept by triggers on distributions (private.rollup_distribution_conversions), never written by hand. Rebuild: select private.rebuild_conversion_rollups().';

COMMENT ON COLUMN public.conversion_rollups.month IS 'First day of the month of published_at in the platform''s time zone.';

COMMENT ON COLUMN public.conversion_rollups.posts IS 'Published distributions of that platform and month.';

COMMENT ON COLUMN public.conversion_rollups.clicks IS 'Sum of their clicks where reported (null clicks skipped).';

COMMENT ON COLUMN public.conversion_rollups.posts_with_clicks IS 'How many of them reported clicks (0: the report''s clicks are null, not 0).';

COMMENT ON COLUMN public.conversion_rollups.conversions IS 'Sum of distributions.conversions.';

COMMENT ON COLUMN public.conversion_rollups.conversions_with_clicks IS 'Sum of conversions of the posts that reported clicks (the conversion rate''s numerator).';

COMMENT ON COLUMN public.conversion_rollups.conversion_value IS 'Sum of distributions.conversion_value.';

ALTER TABLE ONLY public.conversion_rollups
    ADD CONSTRAINT conversion_rollups_pkey PRIMARY KEY (platform_id, month);

CREATE INDEX idx_conversion_rollups_client ON public.conversion_rollups USING btree (client_id);

ALTER TABLE public.conversion_rollups ENABLE ROW LEVEL SECURITY;

CREATE POLICY conversion_rollups_select ON public.conversion_rollups FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

GRANT SELECT ON TABLE public.conversion_rollups TO authenticated;
GRANT SELECT ON TABLE public.conversion_rollups TO service_role;

ALTER TABLE ONLY public.conversion_rollups
    ADD CONSTRAINT conversion_rollups_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.conversion_rollups
    ADD CONSTRAINT conversion_rollups_platform_fkey FOREIGN KEY (platform_id, client_id) REFERENCES public.platforms(id, client_id) ON DELETE CASCADE;

CREATE FUNCTION private.apply_conversion_rollup_delta(p_old private.conversion_rollup_row[], p_new private.conversion_rollup_row[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  with added as (
    select * from unnest(p_new) except all select * from unnest(p_old)
  ), removed as (
    select * from unnest(p_old) except all select * from unnest(p_new)
  ), changes as (
    select 1 as sign, a.* from added a
    union all
    select -1, r.* from removed r
  ), delta as (
    select c.platform_id, c.client_id,
           date_trunc('month', c.published_at at time zone p.timezone)::date as month,
           sum(c.sign) as posts,
           coalesce(sum(c.sign * c.clicks), 0) as clicks,
           coalesce(sum(c.sign) filter (where c.clicks is not null), 0) as posts_with_clicks,
           sum(c.sign * c.conversions) as conversions,
           coalesce(sum(c.sign * c.conversions) filter (where c.clicks is not null), 0) as conversions_with_clicks,
           sum(c.sign * c.conversion_value) as conversion_value
    from changes c
    join public.platforms p on p.id = c.platform_id
    group by 1, 2, 3
  )
  insert into public.conversion_rollups as r (platform_id, client_id, month, posts, clicks, posts_with_clicks,
                                              conversions, conversions_with_clicks, conversion_value)
  select d.platform_id, d.client_id, d.month, d.posts, d.clicks, d.posts_with_clicks, d.conversions,
         d.conversions_with_clicks, d.conversion_value
  from delta d
  order by d.platform_id, d.month
  on conflict (platform_id, month) do update
    set posts = r.posts + excluded.posts,
        clicks = r.clicks + excluded.clicks,
        posts_with_clicks = r.posts_with_clicks + excluded.posts_with_clicks,
        conversions = r.conversions + excluded.conversions,
        conversions_with_clicks = r.conversions_with_clicks + excluded.conversions_with_clicks,
        conversion_value = r.conversion_value + excluded.conversion_value;

  delete from public.conversion_rollups r where r.posts <= 0
    and r.platform_id = any (array(select x.platform_id from unnest(p_old) x));
end
$$;

REVOKE ALL ON FUNCTION private.apply_conversion_rollup_delta(p_old private.conversion_rollup_row[], p_new private.conversion_rollup_row[]) FROM PUBLIC;

CREATE FUNCTION private.rebuild_conversion_rollups(p_platform_id uuid DEFAULT NULL::uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  delete from public.conversion_rollups r where p_platform_id is null or r.platform_id = p_platform_id;
  insert into public.conversion_rollups (platform_id, client_id, month, posts, clicks, posts_with_clicks,
                                         conversions, conversions_with_clicks, conversion_value)
  select p.id, p.client_id, date_trunc('month', d.published_at at time zone p.timezone)::date,
         count(*), coalesce(sum(d.clicks), 0), count(d.clicks), sum(d.conversions),
         coalesce(sum(d.conversions) filter (where d.clicks is not null), 0), sum(d.conversion_value)
  from public.distributions d
  join public.platforms p on p.id = d.platform_id
  where d.status = 'published' and (p_platform_id is null or d.platform_id = p_platform_id)
  group by 1, 2, 3
  order by 1, 3;
end
$$;

REVOKE ALL ON FUNCTION private.rebuild_conversion_rollups(p_platform_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION private.rebuild_conversion_rollups(p_platform_id uuid) TO service_role;

CREATE FUNCTION private.rollup_distribution_conversions() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_old private.conversion_rollup_row[] := '{}';
  v_new private.conversion_rollup_row[] := '{}';
begin
  if tg_op in ('UPDATE', 'DELETE') then
    v_old := array(select row(o.client_id, o.platform_id, o.published_at, o.clicks, o.conversions,
                              o.conversion_value)::private.conversion_rollup_row
                   from old_rows o where o.status = 'published');
  end if;
  if tg_op in ('UPDATE', 'INSERT') then
    v_new := array(select row(n.client_id, n.platform_id, n.published_at, n.clicks, n.conversions,
                              n.conversion_value)::private.conversion_rollup_row
                   from new_rows n where n.status = 'published');
  end if;
  if cardinality(v_old) > 0 or cardinality(v_new) > 0 then
    perform private.apply_conversion_rollup_delta(v_old, v_new);
  end if;
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.rollup_distribution_conversions() FROM PUBLIC;

CREATE FUNCTION private.rollup_platform_timezone() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform private.rebuild_conversion_rollups(new.id);
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.rollup_platform_timezone() FROM PUBLIC;

CREATE FUNCTION private.truncate_conversion_rollups() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  delete from public.conversion_rollups;
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.truncate_conversion_rollups() FROM PUBLIC;

CREATE VIEW public.conversion_report_by_platform WITH (security_invoker=true) AS
 SELECT p.id AS platform_id,
    p.client_id,
    p.name AS platform,
    p.kind,
    r.month,
    r.posts,
        CASE
            WHEN r.posts_with_clicks > 0 THEN r.clicks
            ELSE NULL::bigint
        END AS clicks,
    r.conversions,
    r.conversion_value,
    round(100.0 *
        CASE
            WHEN r.posts_with_clicks > 0 THEN r.conversions_with_clicks
            ELSE NULL::bigint
        END::numeric / NULLIF(
        CASE
            WHEN r.posts_with_clicks > 0 THEN r.clicks
            ELSE NULL::bigint
        END, 0)::numeric, 4) AS conversion_rate
   FROM conversion_rollups r
     JOIN platforms p ON p.id = r.platform_id
  WHERE r.posts > 0;

COMMENT ON VIEW public.conversion_report_by_platform IS 'Clicks -> conversions per platform and month of publication (in the platform''s time zone). Reads the conversion_rollups table (kept by triggers), not the distributions.';

GRANT SELECT ON TABLE public.conversion_report_by_platform TO authenticated;
GRANT SELECT ON TABLE public.conversion_report_by_platform TO service_role;

CREATE TRIGGER distributions_conversion_rollup_delete AFTER DELETE ON public.distributions REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_distribution_conversions();

CREATE TRIGGER distributions_conversion_rollup_insert AFTER INSERT ON public.distributions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_distribution_conversions();

CREATE TRIGGER distributions_conversion_rollup_truncate AFTER TRUNCATE ON public.distributions FOR EACH STATEMENT EXECUTE FUNCTION private.truncate_conversion_rollups();

CREATE TRIGGER distributions_conversion_rollup_update AFTER UPDATE ON public.distributions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_distribution_conversions();

CREATE TRIGGER platforms_timezone_conversion_rollup AFTER UPDATE OF timezone ON public.platforms FOR EACH ROW WHEN ((old.timezone IS DISTINCT FROM new.timezone)) EXECUTE FUNCTION private.rollup_platform_timezone();

-- ==== supabase/schemas/390_platform_webhook_events.sql

-- Inbound platform webhook events and what they change.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TABLE public.platform_webhook_events (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    platform_id uuid NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL,
    event_type text NOT NULL,
    external_id text,
    distribution_id uuid,
    outcome text NOT NULL,
    detail text,
    payload jsonb DEFAULT '{}'::jsonb NOT NULL,
    event_id text,
    CONSTRAINT platform_webhook_events_outcome_check CHECK ((outcome = ANY (ARRAY['applied'::text, 'unknown_post'::text, 'ignored'::text])))
);

COMMENT ON TABLE public.platform_webhook_events IS 'Callbacks received from platforms (Meta/Instagram, Mailchimp, signed JSON) after their signature or token was verified: what each event did (applied), or that it named a post we do not know (unknown_post) or could not be applied (ignored, with detail). Written by private.apply_platform_webhook.';

COMMENT ON COLUMN public.platform_webhook_events.event_id IS 'The sender''s id of the event (or the SHA-256 of its JSON): unique per platform, so a replay is received once.';

ALTER TABLE ONLY public.platform_webhook_events
    ADD CONSTRAINT platform_webhook_events_pkey PRIMARY KEY (id);

CREATE INDEX idx_platform_webhook_events_platform ON public.platform_webhook_events USING btree (platform_id, received_at);

CREATE INDEX idx_platform_webhook_events_client ON public.platform_webhook_events USING btree (client_id);

CREATE INDEX idx_platform_webhook_events_distribution ON public.platform_webhook_events USING btree (distribution_id);

ALTER TABLE ONLY public.platform_webhook_events
    ADD CONSTRAINT platform_webhook_events_event_id_key UNIQUE (platform_id, event_id);

CREATE INDEX idx_platform_webhook_events_received ON public.platform_webhook_events USING btree (received_at);

ALTER TABLE public.platform_webhook_events ENABLE ROW LEVEL SECURITY;

CREATE POLICY platform_webhook_events_select ON public.platform_webhook_events FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

GRANT SELECT ON TABLE public.platform_webhook_events TO authenticated;
GRANT ALL ON TABLE public.platform_webhook_events TO service_role;

ALTER TABLE ONLY public.platform_webhook_events
    ADD CONSTRAINT platform_webhook_events_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.platform_webhook_events
    ADD CONSTRAINT platform_webhook_events_distribution_fkey FOREIGN KEY (distribution_id, client_id) REFERENCES public.distributions(id, client_id) ON DELETE SET NULL (distribution_id);

ALTER TABLE ONLY public.platform_webhook_events
    ADD CONSTRAINT platform_webhook_events_platform_fkey FOREIGN KEY (platform_id, client_id) REFERENCES public.platforms(id, client_id) ON DELETE CASCADE;

CREATE FUNCTION private.apply_platform_webhook(p_platform_id uuid, p_events jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_client uuid;
  e jsonb;
  d record;
  v_event_id text;
  v_row uuid;
  v_outcome text;
  v_detail text;
  v_at timestamptz;
  v_inc jsonb;
  v_pm jsonb;
  v_counts jsonb := jsonb_build_object('applied', 0, 'unknown_post', 0, 'ignored', 0, 'duplicate', 0);
  v_reports jsonb := '[]'::jsonb;
begin
  select p.client_id into v_client from public.platforms p where p.id = p_platform_id;
  if v_client is null then
    raise exception 'platform % not found', p_platform_id using errcode = 'no_data_found';
  end if;

  for e in select value from jsonb_array_elements(coalesce(p_events, '[]'::jsonb)) loop
    v_outcome := 'applied';
    v_detail := null;
    v_row := null;
    v_event_id := coalesce(nullif(e ->> 'event_id', ''),
                           'sha256:' || encode(pg_catalog.sha256(convert_to(e::text, 'UTF8')), 'hex'));
    select x.id, x.status, x.native_state, x.published_at into d
    from public.distributions x
    where x.platform_id = p_platform_id and x.external_id = e ->> 'external_id'
    order by x.created_at desc
    limit 1;

    insert into public.platform_webhook_events (client_id, platform_id, received_at, event_type, external_id,
                                                distribution_id, outcome, payload, event_id)
    values (v_client, p_platform_id, now(), coalesce(e ->> 'event_type', 'unknown'), e ->> 'external_id',
            d.id, case when d.id is null then 'unknown_post' else 'applied' end,
            case when jsonb_typeof(e -> 'payload') = 'object' then e -> 'payload' else '{}'::jsonb end,
            v_event_id)
    on conflict (platform_id, event_id) do nothing
    returning id into v_row;

    if v_row is null then
      v_outcome := 'duplicate';
    elsif d.id is null then
      v_outcome := 'unknown_post';
    else
      begin
        v_at := coalesce((e ->> 'occurred_at')::timestamptz, now());
        if e ->> 'status' = 'sent' then
          if d.status = 'published' then
            v_detail := 'already published';
          elsif d.status = 'unconfirmed' then
            update public.distributions set status = 'published', published_at = coalesce(published_at, v_at)
             where id = d.id;
          elsif d.status = 'scheduled' and d.native_state = 'handed_off' then
            update public.distributions set status = 'publishing' where id = d.id;
            update public.distributions set status = 'published', published_at = coalesce(published_at, v_at)
             where id = d.id;
          else
            v_outcome := 'ignored';
            v_detail := format('sent event for a %s distribution', d.status);
          end if;
        end if;

        v_inc := case when jsonb_typeof(e -> 'increments') = 'object' then e -> 'increments' end;
        if v_inc is not null then
          update public.distributions set
            comments = case when v_inc ? 'comments' then coalesce(comments, 0) + private.metric_count(v_inc -> 'comments') else comments end,
            likes = case when v_inc ? 'likes' then coalesce(likes, 0) + private.metric_count(v_inc -> 'likes') else likes end,
            shares = case when v_inc ? 'shares' then coalesce(shares, 0) + private.metric_count(v_inc -> 'shares') else shares end,
            saves = case when v_inc ? 'saves' then coalesce(saves, 0) + private.metric_count(v_inc -> 'saves') else saves end,
            clicks = case when v_inc ? 'clicks' then coalesce(clicks, 0) + private.metric_count(v_inc -> 'clicks') else clicks end
          where id = d.id;
        end if;

        v_pm := case when jsonb_typeof(e -> 'platform_metric_increments') = 'object'
                     then e -> 'platform_metric_increments' end;
        if v_pm is not null then
          update public.distributions x set platform_metrics = x.platform_metrics || (
            select coalesce(jsonb_object_agg(k.key,
                     coalesce(private.metric_count(x.platform_metrics -> k.key), 0)
                     + coalesce(private.metric_count(k.value), 0)), '{}'::jsonb)
            from jsonb_each(v_pm) k)
          where x.id = d.id;
        end if;

        if jsonb_typeof(e -> 'metrics') = 'object' then
          perform private.record_metrics(jsonb_build_array(jsonb_build_object(
            'distribution_id', d.id, 'ok', true, 'recorded_at', v_at, 'metrics', e -> 'metrics')));
        end if;
      exception when others then
        v_outcome := 'ignored';
        v_detail := sqlerrm;
      end;
      if v_outcome <> 'applied' or v_detail is not null then
        update public.platform_webhook_events set outcome = v_outcome, detail = v_detail where id = v_row;
      end if;
    end if;

    v_counts := jsonb_set(v_counts, array[v_outcome], to_jsonb((v_counts ->> v_outcome)::integer + 1));
    v_reports := v_reports || jsonb_build_array(jsonb_build_object(
      'event_id', v_event_id, 'outcome', v_outcome, 'detail', v_detail));
  end loop;
  return v_counts || jsonb_build_object('events', v_reports);
end
$$;

COMMENT ON FUNCTION private.apply_platform_webhook(p_platform_id uuid, p_events jsonb) IS 'Applies verified platform webhook events once per (platform, event_id) to the platform''s distributions (status sent, metric increments, absolute metrics via record_metrics) and logs each in platform_webhook_events; unknown posts are logged only, replays counted as duplicate, an event that fails is ignored alone. Reports each event.';

REVOKE ALL ON FUNCTION private.apply_platform_webhook(p_platform_id uuid, p_events jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION private.apply_platform_webhook(p_platform_id uuid, p_events jsonb) TO service_role;

-- ==== supabase/schemas/400_publishing_write_path.sql

-- The publisher's write path: claiming due distributions and native hand-offs under leases.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TYPE private.claimed_distribution AS (
	id uuid,
	attempt_id uuid,
	mode text,
	platform_id uuid,
	client_id uuid,
	title text,
	body text,
	media_urls text[],
	link_url text,
	platform_specific jsonb,
	scheduled_for timestamp with time zone,
	retry_count integer,
	native_state text,
	native_attempt_id uuid,
	external_id text,
	external_url text,
	unresolved_attempts jsonb
);

COMMENT ON TYPE private.claimed_distribution IS 'What a worker gets for each claimed row: the content, the attempt, the mode (publish now, or hand the post to the platform ahead of time), the native hand-off to confirm, and the earlier attempts whose outcome is unknown (reconciled with the platform before anything is sent; only a reclaimed row can have any).';

CREATE FUNCTION private.claim_due_distributions(p_limit integer, p_lease_seconds integer) RETURNS SETOF private.claimed_distribution
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    SET enable_hashjoin TO 'off'
    AS $$
declare
  v_platform uuid;
  v_due timestamptz;
  v_lapsed timestamptz;
  v_budget integer;
  v_remaining integer := p_limit;
  v_claimed integer;
  v_parked uuid[];
begin
  -- Lapsed leases on platforms that cannot publish now (paused, inactive, awaiting reconnection) go back to
  -- waiting: the lapsed attempt is recorded as unknown, as below, and the row keeps its attempt id, which marks
  -- it as having attempts to reconcile before anything is sent again. A platform another claim holds is left
  -- for the next one. (Probed first: an update statement, even of no rows, runs the statement triggers.)
  for v_platform in
    select p.id from public.platforms p
    where (not p.is_active or p.needs_reconnection or p.paused_until > now())
      and exists (select 1 from public.distributions d
                  where d.platform_id = p.id and d.status = 'publishing' and d.lease_expires_at <= now())
    order by p.id
  loop
    continue when not pg_try_advisory_xact_lock(hashtextextended('publish:' || v_platform::text, 0));
    v_parked := array_append(v_parked, v_platform);
  end loop;
  if v_parked is not null then
    with lapsed as (
      select d.id from public.distributions d
      where d.platform_id = any (v_parked) and d.status = 'publishing' and d.lease_expires_at <= now()
      for update skip locked
    ), recorded as (
      insert into public.distribution_attempts
        (id, distribution_id, client_id, platform_id, kind, started_at, finished_at, outcome, error_message)
      select d.attempt_id, d.id, d.client_id, d.platform_id,
             case when d.attempt_started_at < d.scheduled_for then 'handoff' else 'publish' end,
             d.attempt_started_at, now(), 'unknown', 'the worker''s claim lapsed without an outcome'
      from public.distributions d join lapsed l on l.id = d.id
      on conflict (id) do nothing
    )
    update public.distributions d
       set status = 'scheduled', lease_expires_at = null, attempt_started_at = null, next_attempt_at = null,
           error_message = 'waiting for the platform (paused, inactive or awaiting reconnection); an earlier '
                           'attempt is checked with the platform before the post is sent again'
      from lapsed l where d.id = l.id;
  end if;

  -- Platforms with work, oldest first. Each lateral is one probe of a per-platform index, so finding them does
  -- not grow with the number of due rows.
  for v_platform, v_due, v_lapsed in
    select p.id, s.due, l.lapsed
    from public.platforms p
    left join lateral (
      select coalesce(d.next_attempt_at, d.scheduled_for) as due from public.distributions d
      where d.platform_id = p.id and d.status = 'scheduled' and coalesce(d.next_attempt_at, d.scheduled_for) <= now()
      order by coalesce(d.next_attempt_at, d.scheduled_for) limit 1
    ) s on true
    left join lateral (
      select d.lease_expires_at as lapsed from public.distributions d
      where d.platform_id = p.id and d.status = 'publishing' and d.lease_expires_at <= now()
      order by d.lease_expires_at limit 1
    ) l on true
    where p.is_active and not p.needs_reconnection and (p.paused_until is null or p.paused_until <= now())
      and (s.due is not null or l.lapsed is not null)
    order by least(s.due, l.lapsed)
  loop
    exit when v_remaining <= 0;
    continue when not pg_try_advisory_xact_lock(hashtextextended('publish:' || v_platform::text, 0));

    -- Expired leases first: those attempts were sent (or not) by a worker that died. A new attempt id; the
    -- earlier attempts are reconciled first. A row not due yet was being handed to the platform.
    -- (A hand-off attempt starts before the row's time; a publish attempt at or after it.)
    -- (Only where the probe found one: an update statement, even of no rows, runs the statement triggers.)
    if v_lapsed is not null then
      insert into public.distribution_attempts
        (id, distribution_id, client_id, platform_id, kind, started_at, finished_at, outcome, error_message)
      select d.attempt_id, d.id, d.client_id, d.platform_id,
             case when d.attempt_started_at < d.scheduled_for then 'handoff' else 'publish' end,
             d.attempt_started_at, now(), 'unknown', 'the worker''s claim lapsed without an outcome'
      from public.distributions d
      where d.platform_id = v_platform and d.status = 'publishing' and d.lease_expires_at <= now()
      on conflict (id) do nothing;

      return query
      with expired as (
        select d.id from public.distributions d
        where d.platform_id = v_platform and d.status = 'publishing' and d.lease_expires_at <= now()
        order by d.lease_expires_at
        limit v_remaining
        for update skip locked
      ), claimed as (
        update public.distributions d
           set attempt_id = gen_random_uuid(), attempt_started_at = now(),
               lease_expires_at = now() + make_interval(secs => p_lease_seconds)
          from expired where d.id = expired.id
        returning d.*
      )
      select c.id, c.attempt_id, case when c.scheduled_for > now() then 'handoff' else 'publish' end,
             c.platform_id, c.client_id, c.title, c.body, c.media_urls, c.link_url, c.platform_specific,
             c.scheduled_for, c.retry_count, c.native_state, c.native_attempt_id, c.external_id, c.external_url,
             coalesce((select jsonb_agg(jsonb_build_object('id', a.id, 'kind', a.kind, 'started_at', a.started_at,
                                                           'external_id', a.external_id)
                                        order by a.started_at)
                       from public.distribution_attempts a
                       where a.distribution_id = c.id and a.outcome = 'unknown'), '[]'::jsonb)
      from claimed c;
      get diagnostics v_claimed = row_count;
      v_remaining := v_remaining - v_claimed;
    end if;

    continue when v_due is null;
    v_budget := least(v_remaining, private.publish_budget(v_platform));
    continue when v_budget <= 0;

    return query
    with due as (
      -- prior: the attempt of a row that went back to waiting with attempts to reconcile (see above)
      select d.id, d.attempt_id as prior from public.distributions d
      where d.platform_id = v_platform and d.status = 'scheduled'
        and coalesce(d.next_attempt_at, d.scheduled_for) <= now()
      order by coalesce(d.next_attempt_at, d.scheduled_for), d.id
      limit v_budget
      for update skip locked
    ), claimed as (
      update public.distributions d
         set status = 'publishing', attempt_id = gen_random_uuid(), attempt_started_at = now(),
             lease_expires_at = now() + make_interval(secs => p_lease_seconds),
             last_retry_at = case when d.retry_count > 0 then now() else d.last_retry_at end
        from due where d.id = due.id
      returning d.*, due.prior
    )
    select c.id, c.attempt_id, 'publish', c.platform_id, c.client_id, c.title, c.body, c.media_urls, c.link_url,
           c.platform_specific, c.scheduled_for, c.retry_count, c.native_state, c.native_attempt_id, c.external_id,
           c.external_url,
           case when c.prior is null then '[]'::jsonb
                else coalesce((select jsonb_agg(jsonb_build_object('id', a.id, 'kind', a.kind,
                                                                   'started_at', a.started_at,
                                                                   'external_id', a.external_id)
                                                order by a.started_at)
                               from public.distribution_attempts a
                               where a.distribution_id = c.id and a.outcome = 'unknown'), '[]'::jsonb) end
    from claimed c;
    get diagnostics v_claimed = row_count;
    v_remaining := v_remaining - v_claimed;
  end loop;
end
$$;

COMMENT ON FUNCTION private.claim_due_distributions(p_limit integer, p_lease_seconds integer) IS 'Claims due rows for publishing under a lease, within each platform''s rate limits and pause; also reclaims rows whose lease expired (returned with the unresolved attempts to reconcile first).';

REVOKE ALL ON FUNCTION private.claim_due_distributions(p_limit integer, p_lease_seconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.claim_due_distributions(p_limit integer, p_lease_seconds integer) TO service_role;

CREATE FUNCTION private.claim_native_handoffs(p_limit integer, p_lease_seconds integer) RETURNS SETOF private.claimed_distribution
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  -- Probed per natively scheduling platform, through its calendar index: every publish loop asks, so this must
  -- not read the other platforms' scheduled rows. (plpgsql: its plan is kept, not made again on every call.)
  if not exists (select 1 from public.platforms p
                 where p.supports_scheduling and private.config_boolean(p.publish_config, 'native_scheduling', false)
                   and p.is_active) then
    return; -- no update statement, so no statement triggers
  end if;
  return query
  with candidates as (
    select c.id
    from public.platforms p
    cross join lateral (
      select d.id, d.scheduled_for
      from public.distributions d
      where d.platform_id = p.id and d.status = 'scheduled' and d.native_state is null and d.next_attempt_at is null
        and d.attempt_id is null
        and d.scheduled_for > now()
              + make_interval(secs => private.config_integer(p.publish_config, 'native_min_lead_seconds', 120, 0, 86400))
        and d.scheduled_for <= now()
              + make_interval(mins => private.config_integer(p.publish_config, 'native_lead_minutes', 60, 0, 10080))
      order by d.scheduled_for
      limit p_limit
      for update of d skip locked
    ) c
    where p.supports_scheduling and private.config_boolean(p.publish_config, 'native_scheduling', false)
      and p.is_active and not p.needs_reconnection and (p.paused_until is null or p.paused_until <= now())
    order by c.scheduled_for
    limit p_limit
  ), claimed as (
    update public.distributions d
       set status = 'publishing', attempt_id = gen_random_uuid(), attempt_started_at = now(),
           lease_expires_at = now() + make_interval(secs => p_lease_seconds)
      from candidates c where d.id = c.id
    returning d.*
  )
  select c.id, c.attempt_id, 'handoff', c.platform_id, c.client_id, c.title, c.body, c.media_urls, c.link_url,
         c.platform_specific, c.scheduled_for, c.retry_count, c.native_state, c.native_attempt_id, c.external_id,
         c.external_url, '[]'::jsonb
  from claimed c;
end
$$;

COMMENT ON FUNCTION private.claim_native_handoffs(p_limit integer, p_lease_seconds integer) IS 'Claims scheduled rows of natively scheduling platforms that are within their hand-off window.';

REVOKE ALL ON FUNCTION private.claim_native_handoffs(p_limit integer, p_lease_seconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.claim_native_handoffs(p_limit integer, p_lease_seconds integer) TO service_role;

-- ==== supabase/schemas/420_platform_credential_refresh.sql

-- Platform credential refresh: one refresher at a time per platform, and saving the new credentials.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.lock_platform_credentials(p_platform_id uuid) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_secret text;
begin
  perform pg_advisory_xact_lock(hashtextextended('platform-credentials:' || p_platform_id::text, 0));
  select s.decrypted_secret into v_secret
  from public.platforms p
  join private.platform_secrets b on b.secret_id = p.credentials_secret_id and b.platform_id = p.id
  join vault.decrypted_secrets s on s.id = b.secret_id
  where p.id = p_platform_id;
  if v_secret is null then
    raise exception 'platform % has no stored credentials', p_platform_id using errcode = 'P0002';
  end if;
  return v_secret;
end
$$;

COMMENT ON FUNCTION private.lock_platform_credentials(p_platform_id uuid) IS 'Takes the platform''s credential lock until the end of the transaction and returns its Vault secret as stored now (JSON text).';

REVOKE ALL ON FUNCTION private.lock_platform_credentials(p_platform_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION private.lock_platform_credentials(p_platform_id uuid) TO service_role;

CREATE FUNCTION private.save_platform_credentials(p_platform_id uuid, p_credentials jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_secret_id uuid;
begin
  if jsonb_typeof(p_credentials) is distinct from 'object' then
    raise exception 'credentials must be a JSON object' using errcode = '22023';
  end if;
  -- Re-entrant within the transaction: a no-op after lock_platform_credentials, a wait otherwise.
  perform pg_advisory_xact_lock(hashtextextended('platform-credentials:' || p_platform_id::text, 0));
  select b.secret_id into v_secret_id
  from public.platforms p
  join private.platform_secrets b on b.secret_id = p.credentials_secret_id and b.platform_id = p.id
  where p.id = p_platform_id;
  if v_secret_id is null then
    raise exception 'platform % has no stored credentials', p_platform_id using errcode = 'P0002';
  end if;
  perform vault.update_secret(v_secret_id, p_credentials::text);
end
$$;

COMMENT ON FUNCTION private.save_platform_credentials(p_platform_id uuid, p_credentials jsonb) IS 'Replaces the platform''s Vault secret (a refreshed access token, a rotated refresh token), under its credential lock.';

REVOKE ALL ON FUNCTION private.save_platform_credentials(p_platform_id uuid, p_credentials jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION private.save_platform_credentials(p_platform_id uuid, p_credentials jsonb) TO service_role;

-- ==== supabase/schemas/450_platform_reconnection.sql

-- Platform reconnection: which distributions failed on the auth error, reconnecting a platform and retrying them.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION scheduling.failed_on_auth(p_platform_id uuid) RETURNS SETOF uuid
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select d.id
  from public.distributions d
  where d.platform_id = p_platform_id and d.status = 'failed'
    and (select a.outcome from public.distribution_attempts a
         where a.distribution_id = d.id order by a.finished_at desc limit 1) = 'auth'
  order by d.scheduled_for
$$;

COMMENT ON FUNCTION scheduling.failed_on_auth(p_platform_id uuid) IS 'The platform''s failed rows whose last attempt failed on an auth error (a retry can send them: nothing was posted).';

REVOKE ALL ON FUNCTION scheduling.failed_on_auth(p_platform_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.failed_on_auth(p_platform_id uuid) TO authenticated;
GRANT ALL ON FUNCTION scheduling.failed_on_auth(p_platform_id uuid) TO service_role;

set check_function_bodies = false;

CREATE FUNCTION public.reconnect_platform(p_platform_id uuid, p_credentials jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_platform public.platforms;
  v_secret_id uuid;
  v_name text := 'platform-credentials-' || p_platform_id::text;
begin
  select * into v_platform from public.platforms p where p.id = p_platform_id for update;
  -- A signed-in user reaches only their own clients' platforms, and must own the client to reconnect one.
  if auth.role() = 'authenticated' or current_setting('role', true) = 'authenticated' then
    if not found or not private.is_client_member(v_platform.client_id) then
      raise exception 'platform % not found', p_platform_id using errcode = 'P0002';
    end if;
    if not private.has_client_role(v_platform.client_id, array['owner']) then
      raise exception 'permission denied: only owners can reconnect platform %', p_platform_id
        using errcode = '42501';
    end if;
  elsif not found then
    raise exception 'platform % not found', p_platform_id using errcode = 'P0002';
  end if;
  if jsonb_typeof(p_credentials) is distinct from 'object' or p_credentials = '{}'::jsonb then
    raise exception 'credentials must be a non-empty JSON object' using errcode = '22023';
  end if;

  v_secret_id := v_platform.credentials_secret_id;
  -- Another platform's secret (data from before the binding) is not this platform's to overwrite: it gets its own.
  if v_secret_id is not null and not exists (select 1 from private.platform_secrets b
                                             where b.secret_id = v_secret_id and b.platform_id = p_platform_id) then
    v_secret_id := null;
  end if;
  if v_secret_id is null then
    select s.id into v_secret_id from vault.secrets s where s.name = v_name;
    if v_secret_id is null then
      v_secret_id := vault.create_secret('{}', v_name,
                                         format('credentials of platform %s (%s)', v_platform.name, v_platform.kind));
    end if;
  end if;
  update public.platforms
     set credentials_secret_id = v_secret_id, needs_reconnection = false, reconnection_reason = null
   where id = p_platform_id;
  -- Under the credential lock, so a worker renewing the old token does not write it back over these.
  perform private.save_platform_credentials(p_platform_id, p_credentials);

  return jsonb_build_object(
    'platform_id', p_platform_id,
    'needs_reconnection', false,
    'waiting', (select count(*) from public.distributions d
                where d.platform_id = p_platform_id and d.status = 'scheduled'),
    'failed_on_auth', coalesce((select jsonb_agg(f.id order by f.n)
                                from scheduling.failed_on_auth(p_platform_id) with ordinality as f(id, n)),
                               '[]'::jsonb));
end
$$;

COMMENT ON FUNCTION public.reconnect_platform(p_platform_id uuid, p_credentials jsonb) IS 'Replaces a platform''s credentials (Vault) and clears its reconnection flag; owners of its client or the service role. Returns how many rows wait and the ids of the rows that failed on the auth error.';

REVOKE ALL ON FUNCTION public.reconnect_platform(p_platform_id uuid, p_credentials jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION public.reconnect_platform(p_platform_id uuid, p_credentials jsonb) TO authenticated;
GRANT ALL ON FUNCTION public.reconnect_platform(p_platform_id uuid, p_credentials jsonb) TO service_role;

set check_function_bodies = false;

CREATE FUNCTION public.retry_failed_on_auth(p_platform_id uuid) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_id uuid;
  v_retried jsonb := '[]'::jsonb;
begin
  for v_id in
    select f.id from scheduling.failed_on_auth(p_platform_id) with ordinality as f(id, n) order by f.n
  loop
    v_retried := v_retried || (public.retry_distribution(v_id) -> 'distribution');
  end loop;
  return v_retried;
end
$$;

COMMENT ON FUNCTION public.retry_failed_on_auth(p_platform_id uuid) IS 'Retries the platform''s rows that failed on an auth error (after it was reconnected); returns them.';

REVOKE ALL ON FUNCTION public.retry_failed_on_auth(p_platform_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.retry_failed_on_auth(p_platform_id uuid) TO authenticated;
GRANT ALL ON FUNCTION public.retry_failed_on_auth(p_platform_id uuid) TO service_role;

-- ==== supabase/schemas/480_publish_leases.sql

-- Publish leases: the publisher extends the leases of the distributions it is still sending.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.extend_publish_leases(p_claims jsonb, p_lease_seconds integer) RETURNS SETOF uuid
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  update public.distributions d
     set lease_expires_at = greatest(d.lease_expires_at, now() + make_interval(secs => p_lease_seconds))
    from jsonb_to_recordset(p_claims) as c(id uuid, attempt_id uuid)
   where d.id = c.id and d.attempt_id = c.attempt_id and d.status = 'publishing'
  returning d.id
$$;

COMMENT ON FUNCTION private.extend_publish_leases(p_claims jsonb, p_lease_seconds integer) IS 'Extends the leases of rows a live worker is still publishing ([{id, attempt_id}]); returns the rows it still holds (a row reclaimed by another worker, or already recorded, is not touched).';

REVOKE ALL ON FUNCTION private.extend_publish_leases(p_claims jsonb, p_lease_seconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.extend_publish_leases(p_claims jsonb, p_lease_seconds integer) TO service_role;

-- ==== supabase/schemas/490_lapsed_attempts.sql

-- Lapsed attempts: attempts whose lease ran out before an outcome was recorded.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.lapsed_attempt_counts(p_ids uuid[]) RETURNS TABLE(distribution_id uuid, lapses integer)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select a.distribution_id, count(*)::integer
  from public.distribution_attempts a
  where a.distribution_id = any (p_ids) and a.error_message = 'the worker''s claim lapsed without an outcome'
  group by a.distribution_id
$$;

REVOKE ALL ON FUNCTION private.lapsed_attempt_counts(p_ids uuid[]) FROM PUBLIC;
GRANT ALL ON FUNCTION private.lapsed_attempt_counts(p_ids uuid[]) TO service_role;

-- ==== supabase/schemas/510_publish_config_validation.sql

-- Validation of a platform's publish_config: every field known, of its type and in its range.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.check_publish_config() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_problem text;
begin
  if tg_op = 'UPDATE' and new.publish_config is not distinct from old.publish_config
     and new.kind is not distinct from old.kind then
    return new;
  end if;
  v_problem := private.publish_config_problem(new.publish_config, new.kind);
  if v_problem is not null then
    raise exception using errcode = '22023', message = v_problem,
      hint = 'See private.publish_config_problem for every publish_config setting, its type and range.';
  end if;
  return new;
end
$$;

REVOKE ALL ON FUNCTION private.check_publish_config() FROM PUBLIC;

CREATE FUNCTION private.config_boolean(p_config jsonb, p_key text, p_default boolean) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $$
  select case when jsonb_typeof(p_config -> p_key) = 'boolean' then (p_config ->> p_key)::boolean
              else p_default end
$$;

COMMENT ON FUNCTION private.config_boolean(p_config jsonb, p_key text, p_default boolean) IS 'p_config ->> p_key as a boolean, or p_default when it is missing or not a boolean. Never raises.';

REVOKE ALL ON FUNCTION private.config_boolean(p_config jsonb, p_key text, p_default boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION private.config_boolean(p_config jsonb, p_key text, p_default boolean) TO service_role;

CREATE FUNCTION private.config_integer(p_config jsonb, p_key text, p_default integer, p_min integer, p_max integer) RETURNS integer
    LANGUAGE sql IMMUTABLE
    AS $$
  select case when jsonb_typeof(p_config -> p_key) = 'number'
              then case when (p_config ->> p_key)::numeric between p_min and p_max
                             and (p_config ->> p_key)::numeric = trunc((p_config ->> p_key)::numeric)
                        then (p_config ->> p_key)::numeric::integer else p_default end
              else p_default end
$$;

COMMENT ON FUNCTION private.config_integer(p_config jsonb, p_key text, p_default integer, p_min integer, p_max integer) IS 'p_config ->> p_key as an integer within [p_min, p_max], or p_default. Never raises.';

REVOKE ALL ON FUNCTION private.config_integer(p_config jsonb, p_key text, p_default integer, p_min integer, p_max integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.config_integer(p_config jsonb, p_key text, p_default integer, p_min integer, p_max integer) TO service_role;

CREATE FUNCTION private.config_number(p_config jsonb, p_key text, p_default numeric, p_min numeric, p_max numeric) RETURNS numeric
    LANGUAGE sql IMMUTABLE
    AS $$
  select case when jsonb_typeof(p_config -> p_key) = 'number'
              then case when (p_config ->> p_key)::numeric between p_min and p_max
                        then (p_config ->> p_key)::numeric else p_default end
              else p_default end
$$;

COMMENT ON FUNCTION private.config_number(p_config jsonb, p_key text, p_default numeric, p_min numeric, p_max numeric) IS 'p_config ->> p_key as a number within [p_min, p_max], or p_default. Never raises.';

REVOKE ALL ON FUNCTION private.config_number(p_config jsonb, p_key text, p_default numeric, p_min numeric, p_max numeric) FROM PUBLIC;
GRANT ALL ON FUNCTION private.config_number(p_config jsonb, p_key text, p_default numeric, p_min numeric, p_max numeric) TO service_role;

CREATE FUNCTION private.json_fields_problem(p_path text, p_value jsonb, p_spec jsonb, p_required text[] DEFAULT '{}'::text[]) RETURNS text
    LANGUAGE plpgsql IMMUTABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_key text;
  v_item jsonb;
  v_spec jsonb;
  v_problem text;
begin
  v_problem := private.json_object_problem(p_path, p_value);
  if v_problem is not null then return v_problem; end if;
  foreach v_key in array p_required loop
    if not p_value ? v_key then return format('%s.%s is required', p_path, v_key); end if;
  end loop;
  for v_key, v_item in select e.key, e.value from jsonb_each(p_value) e order by e.key loop
    v_spec := p_spec -> v_key;
    if v_spec is null then return private.json_key_label(p_path, v_key); end if;
    if v_spec ->> 0 = 'string_map' then
      -- an object of at most 50 string values
      v_problem := private.json_object_problem(p_path || '.' || v_key, v_item);
      if v_problem is null and (select count(*) from jsonb_each(v_item)) > 50 then
        v_problem := format('%s.%s must have at most 50 entries', p_path, v_key);
      end if;
      if v_problem is null then
        select private.json_value_problem(p_path || '.' || v_key || '.' || e.key, e.value, 'string', null, 255)
          into v_problem
        from jsonb_each(v_item) e
        where private.json_value_problem(p_path || '.' || v_key || '.' || e.key, e.value, 'string', null, 255)
              is not null
        order by e.key limit 1;
      end if;
    else
      v_problem := private.json_value_problem(p_path || '.' || v_key, v_item, v_spec ->> 0,
                                              (v_spec ->> 1)::numeric, (v_spec ->> 2)::numeric,
                                              array(select jsonb_array_elements_text(v_spec -> 3)));
    end if;
    if v_problem is not null then return v_problem; end if;
  end loop;
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.json_fields_problem(p_path text, p_value jsonb, p_spec jsonb, p_required text[]) FROM PUBLIC;

CREATE FUNCTION private.json_key_label(p_path text, p_key text) RETURNS text
    LANGUAGE sql IMMUTABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select format('%s has an unknown key %s', p_path, to_jsonb(left(p_key, 64))::text)
$$;

REVOKE ALL ON FUNCTION private.json_key_label(p_path text, p_key text) FROM PUBLIC;

CREATE FUNCTION private.json_object_problem(p_path text, p_value jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select case when jsonb_typeof(p_value) = 'object' then null
              else format('%s must be a JSON object (got %s)', p_path, left(p_value::text, 60)) end
$$;

REVOKE ALL ON FUNCTION private.json_object_problem(p_path text, p_value jsonb) FROM PUBLIC;

CREATE FUNCTION private.json_value_problem(p_path text, p_value jsonb, p_type text, p_min numeric DEFAULT NULL::numeric, p_max numeric DEFAULT NULL::numeric, p_values text[] DEFAULT NULL::text[]) RETURNS text
    LANGUAGE plpgsql IMMUTABLE SECURITY DEFINER
    SET search_path TO ''
    AS $_$
declare
  v_got text := left(p_value::text, 60) || case when length(p_value::text) > 60 then '...' else '' end;
  v_type text := jsonb_typeof(p_value);
  v_number numeric;
begin
  case p_type
    when 'boolean' then
      if v_type = 'boolean' then return null; end if;
      return format('%s must be a boolean (got %s)', p_path, v_got);
    when 'integer', 'number' then
      if v_type = 'number' then
        v_number := (p_value #>> '{}')::numeric;
        if v_number between p_min and p_max and (p_type = 'number' or v_number = trunc(v_number)) then
          return null;
        end if;
      end if;
      return format('%s must be %s from %s to %s (got %s)', p_path,
                    case p_type when 'integer' then 'an integer' else 'a number' end, p_min, p_max, v_got);
    when 'string' then
      if v_type = 'string' and char_length(p_value #>> '{}') <= p_max then return null; end if;
      return format('%s must be a string of at most %s characters (got %s)', p_path, p_max, v_got);
    when 'url' then
      if v_type = 'string' and char_length(p_value #>> '{}') <= 2048 and (p_value #>> '{}') ~ '^https?://\S+$' then
        return null;
      end if;
      return format('%s must be an http(s) URL of at most 2048 characters (got %s)', p_path, v_got);
    when 'enum' then
      if v_type = 'string' and (p_value #>> '{}') = any (p_values) then return null; end if;
      return format('%s must be one of %s (got %s)', p_path, array_to_string(p_values, ', '), v_got);
    else
      raise exception 'json_value_problem: unknown type %', p_type;
  end case;
end
$_$;

COMMENT ON FUNCTION private.json_value_problem(p_path text, p_value jsonb, p_type text, p_min numeric, p_max numeric, p_values text[]) IS 'Null when p_value is a p_type (boolean; integer or number within [p_min, p_max]; string of at most p_max characters; http(s) url; enum of p_values), else a message naming p_path, the expected type and the value.';

REVOKE ALL ON FUNCTION private.json_value_problem(p_path text, p_value jsonb, p_type text, p_min numeric, p_max numeric, p_values text[]) FROM PUBLIC;

CREATE FUNCTION private.publish_config_problem(p_config jsonb, p_kind text DEFAULT NULL::text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_key text;
  v_value jsonb;
  v_spec jsonb;
  v_problem text;
  v_size integer;
  -- Top-level settings: every key a reader uses (SQL: the queue; TypeScript: the run, the adapters, the
  -- podcast feed, the learning job). [type, min, max, values]; ranges bound what a reader turns into an
  -- interval, a timer or a loop. A reader of a new setting adds it here; until then writing it is refused.
  c_spec constant jsonb := '{
    "base_url": ["string", null, 2048],
    "token_url": ["url"],
    "timeout_ms": ["integer", 1, 600000],
    "max_attempts": ["integer", 1, 100],
    "retry_base_seconds": ["number", 0, 86400],
    "retry_max_seconds": ["number", 0, 604800],
    "reconcile_after_seconds": ["number", 0, 86400],
    "native_scheduling": ["boolean"],
    "native_min_lead_seconds": ["integer", 0, 86400],
    "native_lead_minutes": ["integer", 0, 10080],
    "max_concurrency": ["integer", 1, 256],
    "max_lapses": ["integer", 1, 100],
    "reconcile_max_seconds": ["integer", 1, 2592000],
    "create_categories": ["boolean"],
    "list_id": ["string", null, 200],
    "from_name": ["string", null, 200],
    "reply_to": ["string", null, 320],
    "graph_version": ["string", null, 20],
    "ig_user_id": ["string", null, 100],
    "poll_interval_ms": ["integer", 0, 60000],
    "poll_attempts": ["integer", 1, 1000],
    "quota_cache_ms": ["integer", 0, 86400000],
    "quota_recheck_margin": ["integer", 0, 10000],
    "author_urn": ["string", null, 200],
    "api_version": ["string", null, 20],
    "visibility": ["enum", null, null, ["PUBLIC", "CONNECTIONS", "LOGGED_IN"]],
    "default_privacy_level": ["enum", null, null,
                              ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"]],
    "video_source": ["enum", null, null, ["pull_from_url", "file_upload"]],
    "upload_chunk_bytes": ["integer", 262144, 67108864],
    "upload_timeout_ms": ["integer", 1, 3600000],
    "category_id": ["string", null, 50],
    "privacy_status": ["enum", null, null, ["public", "unlisted", "private"]],
    "made_for_kids": ["boolean"],
    "status_url": ["string", null, 2048],
    "media_processing_max_wait_ms": ["integer", 0, 3600000],
    "rest_style": ["enum", null, null, ["pretty", "query"]],
    "force_delete": ["boolean"],
    "feed_url": ["url"],
    "title": ["string", null, 1000],
    "description": ["string", null, 10000],
    "image_url": ["url"],
    "language": ["string", null, 35],
    "category": ["string", null, 1000],
    "explicit": ["boolean"],
    "author": ["string", null, 1000],
    "link": ["url"],
    "type": ["enum", null, null, ["episodic", "serial"]],
    "feed_page_size": ["integer", 1, 1000]
  }';
begin
  if p_config is null or jsonb_typeof(p_config) <> 'object' then
    return format('publish_config must be a JSON object (got %s)', coalesce(left(p_config::text, 60), 'null'));
  end if;
  for v_key, v_value in select e.key, e.value from jsonb_each(p_config) e order by e.key loop
    v_spec := c_spec -> v_key;
    v_problem := case
      when v_key = 'limits' then private.publish_limits_problem(v_value)
      when v_key = 'learning' then private.json_fields_problem('publish_config.learning', v_value,
        '{"slots": ["integer", 1, 50], "explore": ["number", 0, 1], "first_hour": ["integer", 0, 23],
          "last_hour": ["integer", 0, 23], "enabled": ["boolean"]}')
      when v_key = 'hosting' then private.json_fields_problem('publish_config.hosting', v_value,
        '{"base_url": ["url"], "show_id": ["string", null, 200]}', array['show_id'])
      when v_key = 'analytics' then private.json_fields_problem('publish_config.analytics', v_value,
        '{"url": ["string", null, 2048], "auth": ["enum", null, null, ["wordpress", "none"]],
          "fields": ["string_map"]}', array['url'])
      when v_key = 'owner' then private.json_fields_problem('publish_config.owner', v_value,
        '{"name": ["string", null, 1000], "email": ["string", null, 320]}', array['name', 'email'])
      when v_spec is null then private.json_key_label('publish_config', v_key)
      else private.json_value_problem('publish_config.' || v_key, v_value, v_spec ->> 0, (v_spec ->> 1)::numeric,
                                      (v_spec ->> 2)::numeric, array(select jsonb_array_elements_text(v_spec -> 3)))
    end;
    if v_problem is not null then return v_problem; end if;
  end loop;
  v_size := octet_length(p_config::text);
  if v_size > 16384 then
    return format('publish_config must be at most 16384 bytes as JSON (got %s bytes)', v_size);
  end if;
  -- What the adapters of one kind accept beyond the common range.
  if p_kind = 'tiktok' and p_config ? 'upload_chunk_bytes' then
    return private.json_value_problem('publish_config.upload_chunk_bytes', p_config -> 'upload_chunk_bytes',
                                      'integer', 5242880, 67108864);
  end if;
  if p_kind = 'youtube' and p_config ? 'upload_chunk_bytes'
     and ((p_config ->> 'upload_chunk_bytes')::numeric % 262144) <> 0 then
    return format('publish_config.upload_chunk_bytes must be a multiple of 262144 on youtube (got %s)',
                  p_config -> 'upload_chunk_bytes');
  end if;
  return null;
end
$$;

COMMENT ON FUNCTION private.publish_config_problem(p_config jsonb, p_kind text) IS 'Null when a platform''s publish_config is well formed, else the first problem, naming the key and what it must be. Every key any reader uses is listed here with its type and range; other keys are refused.';

REVOKE ALL ON FUNCTION private.publish_config_problem(p_config jsonb, p_kind text) FROM PUBLIC;
GRANT ALL ON FUNCTION private.publish_config_problem(p_config jsonb, p_kind text) TO authenticated;
GRANT ALL ON FUNCTION private.publish_config_problem(p_config jsonb, p_kind text) TO service_role;

CREATE FUNCTION private.publish_limits_problem(p_limits jsonb) RETURNS text
    LANGUAGE plpgsql IMMUTABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_key text;
  v_value jsonb;
  v_problem text;
  v_item jsonb;
begin
  v_problem := private.json_object_problem('publish_config.limits', p_limits);
  if v_problem is not null then return v_problem; end if;
  for v_key, v_value in select e.key, e.value from jsonb_each(p_limits) e order by e.key loop
    v_problem := case
      when v_key = 'titleRequired' then
        private.json_value_problem('publish_config.limits.' || v_key, v_value, 'boolean')
      when v_key = 'enclosureTypes' then
        case when jsonb_typeof(v_value) <> 'array' or jsonb_array_length(v_value) > 50
             then format('publish_config.limits.enclosureTypes must be an array of at most 50 strings (got %s)',
                         left(v_value::text, 60)) end
      when v_key = any (array[
        'minBodyChars', 'futureThresholdSeconds', 'maxWeightedLength', 'maxImages', 'maxGifs', 'maxVideos',
        'maxVideoSeconds', 'lookupWindowHours', 'lookupMaxResults', 'maxCommentaryChars', 'maxTitleChars',
        'maxDescriptionBytes', 'maxTagsChars', 'uploadResumeAttempts', 'maxSubjectChars', 'maxPreviewTextChars',
        'scheduleStepMinutes', 'maxCaptionChars', 'maxHashtags', 'maxMentions', 'maxCarouselItems', 'postsPer24h',
        'maxTitleUtf16', 'maxValueChars']) then
        private.json_value_problem('publish_config.limits.' || v_key, v_value, 'integer', 0, 2147483647)
      else private.json_key_label('publish_config.limits', v_key)
    end;
    if v_problem is not null then return v_problem; end if;
    if v_key = 'enclosureTypes' then
      for v_item in select e from jsonb_array_elements(v_value) e loop
        v_problem := private.json_value_problem('publish_config.limits.enclosureTypes[]', v_item, 'string', null, 255);
        if v_problem is not null then return v_problem; end if;
      end loop;
    end if;
  end loop;
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.publish_limits_problem(p_limits jsonb) FROM PUBLIC;

CREATE VIEW public.platform_health WITH (security_invoker=true) AS
 SELECT p.id AS platform_id,
    p.client_id,
    p.name AS platform,
    p.kind,
    p.is_active,
    p.last_published_at,
    p.last_metrics_sync_at,
    p.api_errors_24h,
    COALESCE(ms.failed, 0) AS metrics_errors_24h,
    COALESCE(ms.synced, 0) AS metrics_reads_24h,
    p.metrics_last_error,
    p.paused_until,
    p.pause_reason,
    p.metrics_paused_until,
    p.needs_reconnection,
    p.reconnection_reason,
    COALESCE(q.draft, 0) AS queue_draft,
    COALESCE(q.scheduled, 0) AS queue_scheduled,
    COALESCE(q.due_now, 0) AS queue_due_now,
    COALESCE(q.publishing, 0) AS queue_publishing,
    COALESCE(q.failed, 0) AS queue_failed,
    COALESCE(q.unconfirmed, 0) AS queue_unconfirmed,
    COALESCE(m.due, 0) AS metrics_due_now,
    hold.until AS limits_allow_at,
    hold.limit_name AS limited_by,
    private.publish_config_problem(p.publish_config, p.kind) AS config_problem
   FROM platforms p
     LEFT JOIN LATERAL ( SELECT sum(s.synced)::integer AS synced,
            sum(s.failed)::integer AS failed
           FROM metrics_sync_stats s
          WHERE s.platform_id = p.id AND s.hour > (now() - '24:00:00'::interval)) ms ON true
     LEFT JOIN LATERAL ( SELECT count(*) FILTER (WHERE d.status = 'draft'::text)::integer AS draft,
            count(*) FILTER (WHERE d.status = 'scheduled'::text)::integer AS scheduled,
            count(*) FILTER (WHERE d.status = 'scheduled'::text AND COALESCE(d.next_attempt_at, d.scheduled_for) <= now())::integer AS due_now,
            count(*) FILTER (WHERE d.status = 'publishing'::text)::integer AS publishing,
            count(*) FILTER (WHERE d.status = 'failed'::text)::integer AS failed,
            count(*) FILTER (WHERE d.status = 'unconfirmed'::text)::integer AS unconfirmed
           FROM distributions d
          WHERE d.platform_id = p.id AND (d.status = ANY (ARRAY['draft'::text, 'scheduled'::text, 'publishing'::text, 'failed'::text, 'unconfirmed'::text]))) q ON true
     LEFT JOIN LATERAL ( SELECT count(*)::integer AS due
           FROM distributions d
          WHERE d.platform_id = p.id AND d.metrics_next_sync_at <= now()) m ON true
     LEFT JOIN LATERAL ( SELECT max(r.published_at) + make_interval(mins => p.min_interval_minutes) AS interval_until
           FROM distributions r
          WHERE r.platform_id = p.id AND r.status = 'published'::text) li ON true
     LEFT JOIN LATERAL ( SELECT (array_agg(r.published_at ORDER BY r.published_at DESC) FILTER (WHERE p.posts_per_hour IS NOT NULL AND r.published_at > (now() - '01:00:00'::interval)))[p.posts_per_hour] + '01:00:00'::interval AS hour_until,
            (array_agg(r.published_at ORDER BY r.published_at DESC) FILTER (WHERE p.posts_per_day IS NOT NULL))[p.posts_per_day] + '24:00:00'::interval AS day_until
           FROM distributions r
          WHERE r.platform_id = p.id AND r.status = 'published'::text AND r.published_at > (now() - '24:00:00'::interval)) l ON true
     LEFT JOIN LATERAL ( SELECT h.until,
            h.limit_name
           FROM ( VALUES (l.day_until,format('posts_per_day (%s)'::text, p.posts_per_day),1), (l.hour_until,format('posts_per_hour (%s)'::text, p.posts_per_hour),2), (li.interval_until,format('min_interval_minutes (%s)'::text, p.min_interval_minutes),3)) h(until, limit_name, rank)
          WHERE h.until > now()
          ORDER BY h.until DESC, h.rank
         LIMIT 1) hold ON true;

COMMENT ON VIEW public.platform_health IS 'Per platform: last publish and metrics sync, publish API errors and metric read failures in the last 24 h, pauses, reconnection flag, queue depth by status (due_now: scheduled and due), when the platform''s own limits next allow a post (limits_allow_at, null = now) with the limit that holds it (limited_by), and what is wrong with its publish_config (config_problem, null = nothing).';

COMMENT ON COLUMN public.platform_health.config_problem IS 'The first problem of the stored publish_config (the key and what it must be), or null.';

GRANT SELECT ON TABLE public.platform_health TO authenticated;
GRANT SELECT ON TABLE public.platform_health TO service_role;

CREATE TRIGGER platforms_publish_config_typed BEFORE INSERT OR UPDATE OF publish_config, kind ON public.platforms FOR EACH ROW EXECUTE FUNCTION private.check_publish_config();

COMMENT ON TRIGGER platforms_publish_config_typed ON public.platforms IS 'Refuses a publish_config with a value of the wrong type or range, or an unknown key (SQLSTATE 22023, the key named in the message).';

-- ==== supabase/schemas/550_platform_secrets.sql

-- Platform credentials in Vault: which secret belongs to which platform, and who may route credentials.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TABLE private.platform_secrets (
    secret_id uuid NOT NULL,
    platform_id uuid NOT NULL,
    bound_at timestamp with time zone DEFAULT now() NOT NULL
);

COMMENT ON TABLE private.platform_secrets IS 'Which platform each Vault secret holding platform credentials belongs to (one platform per secret, for good). Written by the platforms_secret_binding trigger; credentials are read only through it.';

ALTER TABLE ONLY private.platform_secrets
    ADD CONSTRAINT platform_secrets_pkey PRIMARY KEY (secret_id);

CREATE INDEX idx_platform_secrets_platform ON private.platform_secrets USING btree (platform_id);

ALTER TABLE private.platform_secrets ENABLE ROW LEVEL SECURITY;

GRANT SELECT ON TABLE private.platform_secrets TO service_role;

CREATE FUNCTION private.platforms_credential_routing_owners_only() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_old jsonb := '{}'::jsonb;
  v_new jsonb;
  v_what text;
begin
  if exists (select 1 from pg_catalog.pg_roles r
             where r.rolname = current_user and (r.rolsuper or r.rolbypassrls)) then
    return new;
  end if;

  if new.credentials_secret_id is not null
     and (tg_op = 'INSERT' or new.credentials_secret_id is distinct from old.credentials_secret_id) then
    raise exception 'permission denied: platforms.credentials_secret_id cannot be set by a signed-in user'
      using errcode = '42501',
            hint = 'An owner stores a platform''s credentials with public.reconnect_platform '
                   '(POST /platforms/:id/reconnect); they get a Vault secret of their own.';
  end if;

  -- The publish_config keys that decide where the credentials are sent, by the name the refusal uses.
  v_new := jsonb_strip_nulls(jsonb_build_object(
    'base_url', new.publish_config -> 'base_url',
    'token_url', new.publish_config -> 'token_url',
    'hosting.base_url', new.publish_config #> '{hosting,base_url}',
    'analytics.url', new.publish_config #> '{analytics,url}',
    'analytics.auth', new.publish_config #> '{analytics,auth}'));
  if tg_op = 'UPDATE' then
    v_old := jsonb_strip_nulls(jsonb_build_object(
      'base_url', old.publish_config -> 'base_url',
      'token_url', old.publish_config -> 'token_url',
      'hosting.base_url', old.publish_config #> '{hosting,base_url}',
      'analytics.url', old.publish_config #> '{analytics,url}',
      'analytics.auth', old.publish_config #> '{analytics,auth}'));
    v_what := case
      when new.kind is distinct from old.kind then 'platforms.kind'
      when new.client_id is distinct from old.client_id then 'platforms.client_id'
      when new.credentials_secret_id is distinct from old.credentials_secret_id then 'platforms.credentials_secret_id'
    end;
  end if;
  if v_what is null and v_new is distinct from v_old then
    select 'platforms.publish_config.' || k into v_what
    from (select jsonb_object_keys(v_old || v_new) as k) keys
    where v_old -> k is distinct from v_new -> k
    order by k
    limit 1;
  end if;
  if v_what is null then
    return new;
  end if;

  if not exists (select 1 from public.client_members m
                 where m.client_id = new.client_id and m.user_id = (select auth.uid()) and m.role = 'owner')
     or (tg_op = 'UPDATE'
         and not exists (select 1 from public.client_members m
                         where m.client_id = old.client_id and m.user_id = (select auth.uid()) and m.role = 'owner'))
  then
    raise exception 'permission denied: only an owner of the client can % %',
                    case tg_op when 'INSERT' then 'set' else 'change' end, v_what
      using errcode = '42501',
            hint = 'It decides where the platform''s credentials are sent. Editors change names, the time zone, '
                   'limits, the active flag and the other publish_config options.';
  end if;
  return new;
end
$$;

COMMENT ON FUNCTION private.platforms_credential_routing_owners_only() IS 'BEFORE INSERT/UPDATE trigger on platforms: only owners of the client set or change kind, client_id and the publish_config keys that decide where credentials are sent (base_url, token_url, hosting.base_url, analytics.url, analytics.auth); no signed-in user sets credentials_secret_id. Roles that bypass RLS are not restricted.';

REVOKE ALL ON FUNCTION private.platforms_credential_routing_owners_only() FROM PUBLIC;

CREATE FUNCTION private.platforms_secret_binding() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_bound_to uuid;
begin
  if new.credentials_secret_id is null
     or (tg_op = 'UPDATE' and new.credentials_secret_id is not distinct from old.credentials_secret_id
         and new.id = old.id) then
    return new;
  end if;
  if not exists (select 1 from vault.secrets s where s.id = new.credentials_secret_id) then
    raise exception 'platforms.credentials_secret_id: no Vault secret has id %', new.credentials_secret_id
      using errcode = '23503';
  end if;
  insert into private.platform_secrets (secret_id, platform_id)
  values (new.credentials_secret_id, new.id)
  on conflict (secret_id) do nothing;
  select b.platform_id into v_bound_to from private.platform_secrets b where b.secret_id = new.credentials_secret_id;
  if v_bound_to is distinct from new.id then
    raise exception 'platforms.credentials_secret_id: that Vault secret holds another platform''s credentials'
      using errcode = '42501',
            hint = 'Each platform gets its own secret: store its credentials with public.reconnect_platform.';
  end if;
  return new;
end
$$;

COMMENT ON FUNCTION private.platforms_secret_binding() IS 'BEFORE INSERT/UPDATE trigger on platforms: binds a new credentials_secret_id to the platform (first use) and refuses a secret already bound to another platform, or one that is not in Vault.';

REVOKE ALL ON FUNCTION private.platforms_secret_binding() FROM PUBLIC;

CREATE TRIGGER platforms_credential_routing_owners_only BEFORE INSERT OR UPDATE OF kind, client_id, credentials_secret_id, publish_config ON public.platforms FOR EACH ROW EXECUTE FUNCTION private.platforms_credential_routing_owners_only();

CREATE TRIGGER platforms_secret_binding BEFORE INSERT OR UPDATE OF id, credentials_secret_id ON public.platforms FOR EACH ROW EXECUTE FUNCTION private.platforms_secret_binding();

-- ==== supabase/schemas/560_webhook_endpoint_secrets.sql

-- Webhook endpoint secrets: shown once, when the endpoint is created or its secret rotated.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION public.create_webhook_endpoint(p_client_id uuid, p_url text, p_events text[] DEFAULT NULL::text[], p_description text DEFAULT NULL::text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_row public.webhook_endpoints;
begin
  if auth.role() = 'authenticated' or current_setting('role', true) = 'authenticated' then
    if not private.is_client_member(p_client_id) then
      raise exception 'client % not found', p_client_id using errcode = 'P0002';
    end if;
    if not private.has_client_role(p_client_id, array['owner', 'editor']) then
      raise exception 'permission denied: only owners and editors of client % create webhook endpoints', p_client_id
        using errcode = '42501';
    end if;
  elsif not exists (select 1 from public.clients c where c.id = p_client_id) then
    raise exception 'client % not found', p_client_id using errcode = 'P0002';
  end if;
  insert into public.webhook_endpoints (client_id, url, events, description)
  values (p_client_id, p_url,
          coalesce(p_events, array['distribution.published', 'distribution.failed', 'distribution.unconfirmed']),
          p_description)
  returning * into v_row;
  return jsonb_build_object(
    'id', v_row.id, 'client_id', v_row.client_id, 'url', v_row.url, 'events', to_jsonb(v_row.events),
    'is_active', v_row.is_active, 'description', v_row.description, 'created_at', v_row.created_at,
    'secret', v_row.secret);
end
$$;

COMMENT ON FUNCTION public.create_webhook_endpoint(p_client_id uuid, p_url text, p_events text[], p_description text) IS 'Creates an outbound webhook endpoint (owners and editors of the client, or the service role) and returns it with its signing secret: the only time the secret is shown.';

REVOKE ALL ON FUNCTION public.create_webhook_endpoint(p_client_id uuid, p_url text, p_events text[], p_description text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.create_webhook_endpoint(p_client_id uuid, p_url text, p_events text[], p_description text) TO authenticated;
GRANT ALL ON FUNCTION public.create_webhook_endpoint(p_client_id uuid, p_url text, p_events text[], p_description text) TO service_role;

CREATE FUNCTION public.rotate_webhook_secret(p_endpoint_id uuid) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_client_id uuid;
  v_secret text := encode(extensions.gen_random_bytes(32), 'hex');
begin
  select e.client_id into v_client_id from public.webhook_endpoints e where e.id = p_endpoint_id for update;
  if auth.role() = 'authenticated' or current_setting('role', true) = 'authenticated' then
    if v_client_id is null or not private.is_client_member(v_client_id) then
      raise exception 'webhook endpoint % not found', p_endpoint_id using errcode = 'P0002';
    end if;
    if not private.has_client_role(v_client_id, array['owner']) then
      raise exception 'permission denied: only owners can rotate the signing secret of webhook endpoint %',
                      p_endpoint_id
        using errcode = '42501';
    end if;
  elsif v_client_id is null then
    raise exception 'webhook endpoint % not found', p_endpoint_id using errcode = 'P0002';
  end if;
  update public.webhook_endpoints set secret = v_secret where id = p_endpoint_id;
  return v_secret;
end
$$;

COMMENT ON FUNCTION public.rotate_webhook_secret(p_endpoint_id uuid) IS 'Replaces a webhook endpoint''s signing secret and returns the new one, once (owners of its client or the service role). Deliveries claimed from then on are signed with it.';

REVOKE ALL ON FUNCTION public.rotate_webhook_secret(p_endpoint_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.rotate_webhook_secret(p_endpoint_id uuid) TO authenticated;
GRANT ALL ON FUNCTION public.rotate_webhook_secret(p_endpoint_id uuid) TO service_role;

-- ==== supabase/schemas/580_idempotency_keys.sql

-- Idempotency keys: a repeated request with the same Idempotency-Key gets the first answer.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TABLE public.idempotency_keys (
    user_id uuid NOT NULL,
    endpoint text NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    status integer,
    response_body text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    completed_at timestamp with time zone,
    CONSTRAINT idempotency_keys_endpoint_check CHECK ((endpoint = ANY (ARRAY['schedule'::text, 'conversions'::text]))),
    CONSTRAINT idempotency_keys_key_check CHECK ((key ~ '^[\x20-\x7e]{1,255}$'::text)),
    CONSTRAINT idempotency_keys_request_hash_check CHECK ((request_hash ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT idempotency_keys_status_check CHECK (((status >= 100) AND (status <= 599)))
);

COMMENT ON TABLE public.idempotency_keys IS 'Idempotency-Key headers of POST /schedule and POST /conversions: per user and endpoint, the request body hash and the first answer (status and exact body), replayed for 24 hours after created_at and pruned after that.';

ALTER TABLE ONLY public.idempotency_keys
    ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (user_id, endpoint, key);

CREATE INDEX idx_idempotency_keys_created_at ON public.idempotency_keys USING btree (created_at);

ALTER TABLE public.idempotency_keys ENABLE ROW LEVEL SECURITY;

CREATE POLICY idempotency_keys_select ON public.idempotency_keys FOR SELECT TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid)));

GRANT SELECT ON TABLE public.idempotency_keys TO authenticated;
GRANT ALL ON TABLE public.idempotency_keys TO service_role;

CREATE FUNCTION private.claim_idempotency_key(p_user_id uuid, p_endpoint text, p_key text, p_request_hash text, p_wait interval DEFAULT '00:00:10'::interval) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_inserted boolean := false;
  v_row public.idempotency_keys;
  v_lock_timeout text := current_setting('lock_timeout');
begin
  if p_user_id is null then
    raise exception 'an idempotency key needs a user' using errcode = 'invalid_parameter_value';
  end if;
  delete from public.idempotency_keys k
   where k.user_id = p_user_id and k.endpoint = p_endpoint and k.key = p_key
     and k.created_at < now() - interval '24 hours';
  delete from public.idempotency_keys k
   where (k.user_id, k.endpoint, k.key) in (
     select o.user_id, o.endpoint, o.key from public.idempotency_keys o
      where o.created_at < now() - interval '24 hours'
      order by o.created_at
      limit 100
      for update skip locked);

  perform set_config('lock_timeout', (extract(epoch from p_wait) * 1000)::bigint::text, true);
  begin
    insert into public.idempotency_keys (user_id, endpoint, key, request_hash)
    values (p_user_id, p_endpoint, p_key, p_request_hash)
    on conflict (user_id, endpoint, key) do nothing;
    v_inserted := found;
  exception when lock_not_available then
    perform set_config('lock_timeout', v_lock_timeout, true);
    return jsonb_build_object('state', 'in_progress');
  end;
  perform set_config('lock_timeout', v_lock_timeout, true);
  if v_inserted then
    return jsonb_build_object('state', 'new');
  end if;

  select * into v_row from public.idempotency_keys k
   where k.user_id = p_user_id and k.endpoint = p_endpoint and k.key = p_key;
  if v_row.request_hash is distinct from p_request_hash then
    return jsonb_build_object('state', 'mismatch');
  end if;
  if v_row.status is null then
    return jsonb_build_object('state', 'in_progress');
  end if;
  return jsonb_build_object('state', 'replay', 'status', v_row.status, 'body', v_row.response_body);
end
$$;

COMMENT ON FUNCTION private.claim_idempotency_key(p_user_id uuid, p_endpoint text, p_key text, p_request_hash text, p_wait interval) IS 'Claims an Idempotency-Key for a user and endpoint in the caller''s transaction: new (run the request), replay (the first answer), mismatch (another body) or in_progress (still running after p_wait). Sweeps expired keys.';

REVOKE ALL ON FUNCTION private.claim_idempotency_key(p_user_id uuid, p_endpoint text, p_key text, p_request_hash text, p_wait interval) FROM PUBLIC;
GRANT ALL ON FUNCTION private.claim_idempotency_key(p_user_id uuid, p_endpoint text, p_key text, p_request_hash text, p_wait interval) TO service_role;

CREATE FUNCTION private.finish_idempotency_key(p_user_id uuid, p_endpoint text, p_key text, p_status integer, p_body text) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  update public.idempotency_keys k
     set status = p_status, response_body = p_body, completed_at = now()
   where k.user_id = p_user_id and k.endpoint = p_endpoint and k.key = p_key and k.status is null;
$$;

COMMENT ON FUNCTION private.finish_idempotency_key(p_user_id uuid, p_endpoint text, p_key text, p_status integer, p_body text) IS 'Records the answer (status and exact body text) of the request that claimed an Idempotency-Key.';

REVOKE ALL ON FUNCTION private.finish_idempotency_key(p_user_id uuid, p_endpoint text, p_key text, p_status integer, p_body text) FROM PUBLIC;
GRANT ALL ON FUNCTION private.finish_idempotency_key(p_user_id uuid, p_endpoint text, p_key text, p_status integer, p_body text) TO service_role;

-- ==== supabase/schemas/600_retention.sql

-- Retention: nothing grows without bound. The hourly prune-history job deletes history older than each
-- target's retention (public.retention_settings) in bounded batches.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TABLE private.retention_state (
    target text NOT NULL,
    done_through timestamp with time zone NOT NULL
);

ALTER TABLE ONLY private.retention_state
    ADD CONSTRAINT retention_state_pkey PRIMARY KEY (target);

ALTER TABLE private.retention_state ENABLE ROW LEVEL SECURITY;

GRANT SELECT ON TABLE private.retention_state TO service_role;

CREATE TABLE public.retention_settings (
    target text NOT NULL,
    keep_for interval,
    batch_size integer DEFAULT 5000 NOT NULL,
    max_batches integer DEFAULT 20 NOT NULL,
    notes text,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT retention_settings_batch_size_check CHECK (((batch_size >= 1) AND (batch_size <= 50000))),
    CONSTRAINT retention_settings_keep_for_check CHECK (((keep_for IS NULL) OR ((keep_for >= '1 day'::interval) AND (EXTRACT(month FROM keep_for) = (0)::numeric)))),
    CONSTRAINT retention_settings_max_batches_check CHECK (((max_batches >= 1) AND (max_batches <= 1000))),
    CONSTRAINT retention_settings_target_check CHECK ((target = ANY (ARRAY['distribution_attempts'::text, 'distribution_metrics'::text, 'distribution_metrics_daily'::text, 'webhook_deliveries'::text, 'platform_webhook_events'::text, 'distribution_requests'::text, 'platform_cancellations'::text, 'metrics_sync_stats'::text, 'cron_job_run_details'::text, 'net_http_response'::text, 'idempotency_keys'::text])))
);

COMMENT ON TABLE public.retention_settings IS 'How long history is kept, per target (see 20261206070000_retention.sql): rows older than keep_for are deleted by the hourly prune-history job, at most batch_size rows per statement and max_batches statements per run. Written by the service role only.';

COMMENT ON COLUMN public.retention_settings.keep_for IS 'Age after which rows are deleted (null: kept forever; at least 1 day; days, not months). distribution_metrics: every snapshot is kept this long; distribution_metrics_daily: then one per day until this age, then one per week.';

COMMENT ON COLUMN public.retention_settings.batch_size IS 'Rows deleted per statement.';

COMMENT ON COLUMN public.retention_settings.max_batches IS 'Statements per target and run; the rest waits for the next run.';

ALTER TABLE ONLY public.retention_settings
    ADD CONSTRAINT retention_settings_pkey PRIMARY KEY (target);

ALTER TABLE public.retention_settings ENABLE ROW LEVEL SECURITY;

CREATE POLICY retention_settings_select ON public.retention_settings FOR SELECT TO authenticated USING (true);

GRANT SELECT ON TABLE public.retention_settings TO authenticated;
GRANT ALL ON TABLE public.retention_settings TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.retention_settings FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

CREATE FUNCTION private.downsample_metrics(p_keep_all interval, p_keep_daily interval, p_limit integer, p_max_batches integer) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_day_origin constant timestamptz := timestamptz '2000-01-03 00:00:00+00';  -- a Monday, UTC
  v_days_to timestamptz := date_bin(interval '1 day', now() - p_keep_all, v_day_origin);
  v_weeks_to timestamptz;
  v_from timestamptz;
  v_zone text;
  v_bucket interval;
  v_to timestamptz;
  v_chunk_end timestamptz;
  v_next timestamptz;
  v_done boolean;
  v_n integer;
  v_total integer := 0;
  v_batches integer := 0;
begin
  if p_keep_daily is not null then
    v_weeks_to := least(date_bin(interval '7 days', now() - greatest(p_keep_daily, p_keep_all), v_day_origin),
                        v_days_to);
  end if;
  foreach v_zone in array array['weekly', 'daily'] loop
    continue when v_zone = 'weekly' and v_weeks_to is null;
    v_bucket := case v_zone when 'weekly' then interval '7 days' else interval '1 day' end;
    v_to := case v_zone when 'weekly' then v_weeks_to else v_days_to end;
    select s.done_through into v_from from private.retention_state s where s.target = 'distribution_metrics_' || v_zone;
    v_from := coalesce(v_from, '-infinity');
    -- The weekly zone has already reduced everything below its boundary further.
    if v_zone = 'daily' and v_weeks_to is not null then
      v_from := greatest(v_from, v_weeks_to);
    end if;
    v_done := false;
    loop
      exit when v_batches >= p_max_batches;
      -- The next week (Monday to Monday, UTC) below the boundary that has snapshots: one statement never sorts
      -- more than a week of snapshots, and no day or week is split between two statements.
      select min(m.recorded_at) into v_next from public.distribution_metrics m
      where m.recorded_at >= v_from and m.recorded_at < v_to;
      if v_next is null then
        v_done := true;
        exit;
      end if;
      v_from := greatest(v_from, date_bin(interval '7 days', v_next, v_day_origin));
      v_chunk_end := least(v_to, date_bin(interval '7 days', v_from, v_day_origin) + interval '7 days');
      v_batches := v_batches + 1;
      delete from public.distribution_metrics m where m.id = any (array(
        select x.id from (
          select m2.id,
                 row_number() over (partition by m2.distribution_id, date_bin(v_bucket, m2.recorded_at, v_day_origin)
                                    order by m2.recorded_at desc, m2.id desc) as rn
          from public.distribution_metrics m2
          where m2.recorded_at >= v_from and m2.recorded_at < v_chunk_end
        ) x
        where x.rn > 1
        limit p_limit));
      get diagnostics v_n = row_count;
      v_total := v_total + v_n;
      if v_n < p_limit then
        v_from := v_chunk_end;  -- this week is done
      end if;
    end loop;
    insert into private.retention_state as r (target, done_through)
    values ('distribution_metrics_' || v_zone, case when v_done then v_to else v_from end)
    on conflict (target) do update set done_through = greatest(excluded.done_through, r.done_through);
  end loop;
  return v_total;
end
$$;

COMMENT ON FUNCTION private.downsample_metrics(p_keep_all interval, p_keep_daily interval, p_limit integer, p_max_batches integer) IS 'Reduces snapshots older than p_keep_all to the last per UTC day per distribution, and those older than p_keep_daily to the last per week; returns the snapshots deleted.';

REVOKE ALL ON FUNCTION private.downsample_metrics(p_keep_all interval, p_keep_daily interval, p_limit integer, p_max_batches integer) FROM PUBLIC;

CREATE FUNCTION private.prune_batch(p_target text, p_keep_for interval, p_limit integer) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
declare
  v_cutoff timestamptz := now() - p_keep_for;
  v_n integer;
begin
  case p_target
    when 'distribution_attempts' then
      delete from public.distribution_attempts a where a.id = any (array(
        select a2.id from public.distribution_attempts a2
        join public.distributions d on d.id = a2.distribution_id
        where a2.finished_at < v_cutoff and d.status in ('published', 'cancelled')
        order by a2.finished_at
        limit p_limit
        for update of a2 skip locked));
    when 'webhook_deliveries' then
      delete from public.webhook_deliveries w where w.id = any (array(
        select w2.id from public.webhook_deliveries w2
        where w2.status in ('delivered', 'failed') and w2.updated_at < v_cutoff
        order by w2.updated_at
        limit p_limit
        for update skip locked));
    when 'platform_webhook_events' then
      delete from public.platform_webhook_events e where e.id = any (array(
        select e2.id from public.platform_webhook_events e2
        where e2.received_at < v_cutoff
        order by e2.received_at
        limit p_limit
        for update skip locked));
    when 'distribution_requests' then
      delete from public.distribution_requests r where r.id = any (array(
        select r2.id from public.distribution_requests r2
        where r2.status in ('done', 'failed') and r2.updated_at < v_cutoff
        order by r2.updated_at
        limit p_limit
        for update skip locked));
    when 'platform_cancellations' then
      delete from public.platform_cancellations c where c.id = any (array(
        select c2.id from public.platform_cancellations c2
        where c2.status in ('done', 'failed') and c2.updated_at < v_cutoff
        order by c2.updated_at
        limit p_limit
        for update skip locked));
    when 'metrics_sync_stats' then
      delete from public.metrics_sync_stats s where s.ctid = any (array(
        select s2.ctid from public.metrics_sync_stats s2
        where s2.hour + interval '1 hour' <= v_cutoff
        order by s2.hour
        limit p_limit
        for update skip locked));
    when 'idempotency_keys' then
      delete from public.idempotency_keys k where (k.user_id, k.endpoint, k.key) in (
        select k2.user_id, k2.endpoint, k2.key from public.idempotency_keys k2
        where k2.created_at < v_cutoff
        order by k2.created_at
        limit p_limit
        for update skip locked);
    when 'cron_job_run_details' then
      if to_regclass('cron.job_run_details') is null then
        return 0;
      end if;
      execute 'delete from cron.job_run_details where runid = any (array(
                 select runid from cron.job_run_details where start_time < $1 order by runid limit $2))'
        using v_cutoff, p_limit;
    when 'net_http_response' then
      if to_regclass('net._http_response') is null then
        return 0;
      end if;
      execute 'delete from net._http_response where ctid = any (array(
                 select ctid from net._http_response where created < $1 limit $2))'
        using v_cutoff, p_limit;
    else
      raise exception 'prune_batch: unknown target %', p_target using errcode = '22023';
  end case;
  get diagnostics v_n = row_count;
  return v_n;
end
$_$;

COMMENT ON FUNCTION private.prune_batch(p_target text, p_keep_for interval, p_limit integer) IS 'Deletes at most p_limit rows of p_target older than p_keep_for (see public.retention_settings); returns the count.';

REVOKE ALL ON FUNCTION private.prune_batch(p_target text, p_keep_for interval, p_limit integer) FROM PUBLIC;

CREATE FUNCTION private.prune_history() RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    SET lock_timeout TO '5s'
    AS $$
declare
  s record;
  v_daily interval;
  v_n integer;
  v_total integer;
  v_batch integer;
  v_error text;
  v_result jsonb := '{}'::jsonb;
begin
  for s in select r.* from public.retention_settings r
           where r.keep_for is not null and r.target <> 'distribution_metrics_daily'
           order by r.target loop
    begin
      if s.target = 'distribution_metrics' then
        select r.keep_for into v_daily from public.retention_settings r where r.target = 'distribution_metrics_daily';
        v_total := private.downsample_metrics(s.keep_for, v_daily, s.batch_size, s.max_batches);
      else
        v_total := 0;
        for v_batch in 1 .. s.max_batches loop
          v_n := private.prune_batch(s.target, s.keep_for, s.batch_size);
          v_total := v_total + v_n;
          exit when v_n < s.batch_size;
        end loop;
      end if;
      v_result := v_result || jsonb_build_object(s.target, v_total);
    exception when others then
      get stacked diagnostics v_error = message_text;
      raise warning 'prune_history: % not pruned: %', s.target, v_error;
      v_result := v_result || jsonb_build_object(s.target, jsonb_build_object('error', v_error));
    end;
  end loop;
  return v_result;
end
$$;

COMMENT ON FUNCTION private.prune_history() IS 'Deletes history past its retention (public.retention_settings) in bounded batches; run hourly by pg_cron (prune-history). Returns the rows deleted per target.';

REVOKE ALL ON FUNCTION private.prune_history() FROM PUBLIC;
GRANT ALL ON FUNCTION private.prune_history() TO service_role;

-- Each target's retention.
insert into public.retention_settings (target, keep_for, notes) values
  ('distribution_attempts', interval '180 days', 'Attempts of published or cancelled distributions only.'),
  ('distribution_metrics', interval '30 days', 'Every snapshot; then downsampled.'),
  ('distribution_metrics_daily', interval '365 days', 'One snapshot per day per distribution; then one per week.'),
  ('webhook_deliveries', interval '30 days', 'Delivered or failed deliveries.'),
  ('platform_webhook_events', interval '30 days', 'Inbound platform callbacks.'),
  ('distribution_requests', interval '30 days', 'Done or failed content-generation requests.'),
  ('platform_cancellations', interval '30 days', 'Done or failed cancellations.'),
  ('idempotency_keys', interval '1 day', 'Idempotency-Key answers; a key is honoured for 24 hours.'),
  ('metrics_sync_stats', interval '90 days', 'Hourly metric read counts.'),
  ('cron_job_run_details', interval '7 days', 'pg_cron run log (about 5,800 runs a day).'),
  ('net_http_response', interval '1 day', 'pg_net responses (hosted pg_net also expires them by its ttl).');

-- ==== supabase/schemas/610_metrics_fair_share.sql

-- Fair share of the metrics read budgets between the clients of a platform kind.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.check_member_sync_tier() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  if current_user in ('postgres', 'service_role', 'supabase_admin') then
    return new;
  end if;
  if new.sync_every < interval '15 minutes' then
    raise exception 'metrics_sync_policy.sync_every must be at least 15 minutes (got %)', new.sync_every
      using errcode = '23514', column = 'sync_every';
  end if;
  if new.max_age > interval '90 days' then
    raise exception 'metrics_sync_policy.max_age must be at most 90 days (got %)', new.max_age
      using errcode = '23514', column = 'max_age';
  end if;
  if (select count(*) from public.metrics_sync_policy s
      where s.client_id is not distinct from new.client_id and s.platform_id is not distinct from new.platform_id
        and s.id <> new.id) >= 10 then
    raise exception 'metrics_sync_policy: at most 10 tiers per client or platform'
      using errcode = '23514', column = 'max_age';
  end if;
  return new;
end
$$;

COMMENT ON FUNCTION private.check_member_sync_tier() IS 'Refuses a member''s sync tier faster than every 15 minutes, for posts older than 90 days, or beyond 10 tiers per scope (the metrics read budgets are shared by every client).';

REVOKE ALL ON FUNCTION private.check_member_sync_tier() FROM PUBLIC;
GRANT ALL ON FUNCTION private.check_member_sync_tier() TO authenticated;
GRANT ALL ON FUNCTION private.check_member_sync_tier() TO service_role;

CREATE FUNCTION private.metrics_client_shares(p_kind text, p_window timestamp with time zone, p_max_reads integer) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  r record;
  v_left integer := p_max_reads;
  v_count integer;
  v_alloc integer;
  v_shares jsonb := '{}'::jsonb;
  v_prefix text := 'kind:' || p_kind || ':client:';
begin
  for r in
    with due as (
      select p.client_id, least(count(*), p_max_reads)::integer as n
      from public.distributions d
      join public.platforms p on p.id = d.platform_id
      where d.metrics_next_sync_at <= now() and p.kind = p_kind
        and p.is_active and p.supports_analytics and not p.needs_reconnection
        and (p.metrics_paused_until is null or p.metrics_paused_until <= now())
      group by p.client_id
    ), spent as (
      select substr(u.budget_key, length(v_prefix) + 1)::uuid as client_id, u.reads as n
      from private.metrics_read_usage u
      where u.window_start = p_window and u.budget_key like v_prefix || '%'
    ), need as (
      select coalesce(d.client_id, s.client_id) as client_id, coalesce(s.n, 0) as spent,
             coalesce(s.n, 0) + coalesce(d.n, 0) as need
      from due d full join spent s on s.client_id = d.client_id
    )
    select n.client_id, n.spent, n.need, count(*) over () as clients from need n order by n.need, n.client_id
  loop
    v_count := coalesce(v_count, r.clients::integer);
    v_alloc := least(r.need, ceil(v_left::numeric / v_count)::integer);
    v_left := v_left - v_alloc;
    v_count := v_count - 1;
    v_shares := v_shares || jsonb_build_object(r.client_id::text, greatest(v_alloc - r.spent, 0));
  end loop;
  return v_shares;
end
$$;

COMMENT ON FUNCTION private.metrics_client_shares(p_kind text, p_window timestamp with time zone, p_max_reads integer) IS 'Reads each client may still claim from the app-scoped budget of p_kind in the window starting at p_window (max-min fair shares of p_max_reads): {"<client_id>": n}.';

REVOKE ALL ON FUNCTION private.metrics_client_shares(p_kind text, p_window timestamp with time zone, p_max_reads integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.metrics_client_shares(p_kind text, p_window timestamp with time zone, p_max_reads integer) TO service_role;

CREATE TRIGGER metrics_sync_policy_member_bounds BEFORE INSERT OR UPDATE ON public.metrics_sync_policy FOR EACH ROW EXECUTE FUNCTION private.check_member_sync_tier();

-- ==== supabase/schemas/620_distribution_request_wake.sql

-- Content that becomes ready for distribution queues one request per statement.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.request_distributions() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_ready uuid[];
  v_body jsonb := '{}'::jsonb;
begin
  if tg_op = 'INSERT' then
    select array_agg(n.id) into v_ready from new_rows n where n.status = 'ready_for_distribution';
  else
    select array_agg(n.id) into v_ready
    from new_rows n join old_rows o on o.id = n.id
    where n.status = 'ready_for_distribution' and o.status is distinct from n.status;
  end if;
  if v_ready is null then
    return null;
  end if;

  -- One open request per content row is enough.
  insert into public.distribution_requests (client_id, content_id)
  select g.client_id, g.id
  from public.generated_content g
  where g.id = any (v_ready)
    and not exists (select 1 from public.distribution_requests r
                    where r.content_id = g.id and r.status in ('pending', 'processing'));

  if cardinality(v_ready) = 1 then
    select jsonb_build_object('request_id', r.id) into v_body from public.distribution_requests r
    where r.content_id = v_ready[1] and r.status in ('pending', 'processing')
    order by r.requested_at desc limit 1;
  end if;
  perform private.invoke_edge_function('process-distribution-requests', coalesce(v_body, '{}'::jsonb));
  return null;
end
$$;

COMMENT ON FUNCTION private.request_distributions() IS 'Rows of one statement became ready_for_distribution: record a distribution request per row (one open request per content row) and wake the processor once.';

REVOKE ALL ON FUNCTION private.request_distributions() FROM PUBLIC;

CREATE TRIGGER generated_content_ready_insert AFTER INSERT ON public.generated_content REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.request_distributions();

CREATE TRIGGER generated_content_ready_update AFTER UPDATE ON public.generated_content REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.request_distributions();

-- ==== supabase/schemas/630_slot_choice_calendar.sql

-- Slot choice over the calendar's instants: publishing_calendar.starts_at (kept by a trigger), free slots,
-- blocked spans and hour scores.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.publishing_calendar_starts_at() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  new.starts_at := case when private.is_valid_timezone(new.timezone)
                        then scheduling.local_to_utc(new.date + new.time_slot, new.timezone) end;
  return new;
end
$$;

REVOKE ALL ON FUNCTION private.publishing_calendar_starts_at() FROM PUBLIC;

CREATE FUNCTION scheduling.blocked_spans(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_exclude uuid DEFAULT NULL::uuid) RETURNS TABLE(lo timestamp with time zone, hi timestamp with time zone, why text)
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
declare
  v_p record;
  v_m interval;
begin
  select p.posts_per_hour, p.posts_per_day, make_interval(mins => coalesce(p.min_interval_minutes, 0)) as m
    into v_p
  from public.platforms p where p.id = p_platform_id;
  if not found then
    return;
  end if;
  v_m := v_p.m;
  return query
  with posts as (
    select t from scheduling.platform_posts(p_platform_id, p_from - interval '24 hours' - v_m,
                                            p_to + interval '24 hours' + v_m, p_exclude) t
  )
  select x.t - v_m, x.t + v_m, format('min_interval_minutes (%s): another post at %s',
                                     v_p.m, scheduling.to_utc_iso(x.t))
  from posts x where v_m > interval '0'
  union all
  select r.b - interval '1 hour', r.a + interval '1 hour', format('posts_per_hour limit (%s) reached', v_p.posts_per_hour)
  from (select t as a, lead(t, v_p.posts_per_hour - 1) over (order by t) as b from posts) r
  where v_p.posts_per_hour is not null and r.b is not null and r.b - r.a < interval '1 hour'
  union all
  select r.b - interval '24 hours', r.a + interval '24 hours', format('posts_per_day limit (%s) reached', v_p.posts_per_day)
  from (select t as a, lead(t, v_p.posts_per_day - 1) over (order by t) as b from posts) r
  where v_p.posts_per_day is not null and r.b is not null and r.b - r.a < interval '24 hours';
end
$$;

COMMENT ON FUNCTION scheduling.blocked_spans(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_exclude uuid) IS 'Open time spans in which the platform''s min_interval_minutes, posts_per_hour or posts_per_day refuse a post, computed from the posts near [p_from, p_to).';

REVOKE ALL ON FUNCTION scheduling.blocked_spans(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_exclude uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.blocked_spans(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_exclude uuid) TO authenticated;
GRANT ALL ON FUNCTION scheduling.blocked_spans(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_exclude uuid) TO service_role;

CREATE FUNCTION scheduling.free_calendar_slots(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone) RETURNS TABLE(calendar_id uuid, template_id uuid, at timestamp with time zone, slot_type text)
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
begin
  return query
  select c.id, case when c.recurring_pattern is not null then c.id end, c.starts_at, c.slot_type
  from public.publishing_calendar c
  -- idx_publishing_calendar_free_starts
  where c.platform_id = p_platform_id and c.distribution_id is null and not c.is_locked
    and c.starts_at >= p_from and c.starts_at < p_to
  union all
  select null, o.template_id, o.at, o.slot_type
  from scheduling.calendar_occurrences(p_platform_id, p_from, p_to, true) o
  where not o.is_locked;
end
$$;

COMMENT ON FUNCTION scheduling.free_calendar_slots(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone) IS 'Free, unlocked calendar slots of a platform in [p_from, p_to): rows without a post and not-yet-materialized occurrences of recurring slots.';

REVOKE ALL ON FUNCTION scheduling.free_calendar_slots(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.free_calendar_slots(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone) TO authenticated;
GRANT ALL ON FUNCTION scheduling.free_calendar_slots(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone) TO service_role;

CREATE FUNCTION scheduling.hour_scores(p_platform_id uuid) RETURNS TABLE(day_of_week integer, hour integer, score numeric)
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $_$
declare
  v_learning jsonb;
  v_first integer := 6;
  v_last integer := 22;
begin
  select p.publish_config -> 'learning' into v_learning from public.platforms p where p.id = p_platform_id;
  -- Values a member wrote badly never stop scheduling: anything but an hour 0-23 means the default.
  if jsonb_typeof(v_learning -> 'first_hour') = 'number' and (v_learning ->> 'first_hour') ~ '^([0-9]|1[0-9]|2[0-3])$' then
    v_first := (v_learning ->> 'first_hour')::integer;
  end if;
  if jsonb_typeof(v_learning -> 'last_hour') = 'number' and (v_learning ->> 'last_hour') ~ '^([0-9]|1[0-9]|2[0-3])$' then
    v_last := (v_learning ->> 'last_hour')::integer;
  end if;
  return query
  with t as (
    select pt.day_of_week * 24 + pt.hour as w, max(pt.score)::double precision as score
    from scheduling.posting_times(p_platform_id) pt
    group by 1
  )
  select g.w / 24, g.w % 24,
         coalesce(t.score,
                  (select 0.5 * max(o.score * power(2.0::double precision,
                                                    -least(abs(g.w - o.w), 168 - abs(g.w - o.w))::double precision / 2))
                   from t o)
         )::numeric(12, 6)
  from generate_series(0, 167) g (w)
  left join t on t.w = g.w
  where t.w is not null or (g.w % 24 between v_first and v_last);
end
$_$;

COMMENT ON FUNCTION scheduling.hour_scores(p_platform_id uuid) IS 'Expected value of each hour of the week (local) on a platform: its posting times at their score, the other hours of its posting day (publish_config.learning first_hour..last_hour) decaying from the nearest peaks.';

REVOKE ALL ON FUNCTION scheduling.hour_scores(p_platform_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.hour_scores(p_platform_id uuid) TO authenticated;
GRANT ALL ON FUNCTION scheduling.hour_scores(p_platform_id uuid) TO service_role;

CREATE TRIGGER publishing_calendar_starts_at BEFORE INSERT OR UPDATE ON public.publishing_calendar FOR EACH ROW EXECUTE FUNCTION private.publishing_calendar_starts_at();

-- ==== supabase/schemas/900_cron_jobs.sql

-- The pg_cron jobs. Each wakes an edge function through private.invoke_edge_function (URL and service-role
-- key from Vault) or runs a private function; a missing Vault secret shows in cron.job_run_details.

-- Wakes the distribution-request processor every minute while requests wait (pending, or processing and
-- claimed more than five minutes ago).
select cron.schedule(
  'sweep-distribution-requests',
  '* * * * *',
  $$select private.invoke_edge_function('process-distribution-requests', '{}'::jsonb, 30000, true)
    where exists (select 1 from public.distribution_requests
                  where status = 'pending' or (status = 'processing' and claimed_at < now() - interval '5 minutes'))$$
);

-- Publishes due distributions every minute.
select cron.schedule('publish-due-distributions', '* * * * *',
  $$select private.invoke_edge_function('publish', '{}'::jsonb, 65000, true)$$);

-- Delivers outbound webhooks every minute.
select cron.schedule('deliver-webhooks', '* * * * *',
  $$select private.invoke_edge_function('deliver-webhooks', '{}'::jsonb, 30000, true)$$);

-- Metrics: sync-metrics every minute (the cadence table decides which posts are due), posting patterns and
-- A/B test conclusions hourly.
select cron.schedule('sync-metrics', '* * * * *',
  $$select private.invoke_edge_function('metrics', '{}'::jsonb, 65000, true)$$);
select cron.schedule('refresh-posting-patterns', '17 * * * *',
  $$select private.invoke_edge_function('learn-posting-times', '{}'::jsonb, 120000, true)$$);
select cron.schedule('conclude-ab-tests', '43 * * * *',
  $$select private.invoke_edge_function('ab-tests', '{}'::jsonb, 60000, true)$$);

-- Retention: prunes history hourly in bounded batches (public.retention_settings).
select cron.schedule('prune-history', '23 * * * *', $$select private.prune_history()$$);
