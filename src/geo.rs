//! Coarse visitor geography: country, region, hemisphere and season, from what the page may know
//! without asking.
//!
//! Sources, best first: a server/edge hint (`JP-01`, an ISO 3166-2 code, or a bare country code
//! like `AU`), the site's configuration, then the browser's IANA time zone through the compact
//! built-in [`ZONES`] table. The Geolocation API is never used: a region is all personalization
//! needs, and precise location would need consent. The table ships in the wasm, so it is text
//! grouped by area (a few kilobytes), not a map of structs.

use crate::prelude::*;
/// Which half of the globe: decides the season of a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hemisphere {
    North,
    South,
}

impl Hemisphere {
    pub fn as_str(self) -> &'static str {
        match self {
            Hemisphere::North => "north",
            Hemisphere::South => "south",
        }
    }

    pub fn parse(s: &str) -> Option<Hemisphere> {
        match s {
            "north" => Some(Hemisphere::North),
            "south" => Some(Hemisphere::South),
            _ => None,
        }
    }

    /// The hemisphere most of a country's people live in (tropical countries by their capital).
    pub fn of_country(country: &str) -> Hemisphere {
        let south = SOUTHERN_COUNTRIES
            .as_bytes()
            .chunks(2)
            .any(|c| c == country.as_bytes());
        if south {
            Hemisphere::South
        } else {
            Hemisphere::North
        }
    }
}

/// Meteorological seasons: whole months, December–February is winter in the north.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Season {
    Winter,
    Spring,
    Summer,
    Autumn,
}

impl Season {
    /// The season of `month` (1 = January … 12 = December) in `hemisphere`; `None` for a month
    /// out of range.
    pub fn of(hemisphere: Hemisphere, month: u8) -> Option<Season> {
        let north = match month {
            12 | 1 | 2 => Season::Winter,
            3..=5 => Season::Spring,
            6..=8 => Season::Summer,
            9..=11 => Season::Autumn,
            _ => return None,
        };
        Some(match hemisphere {
            Hemisphere::North => north,
            Hemisphere::South => match north {
                Season::Winter => Season::Summer,
                Season::Spring => Season::Autumn,
                Season::Summer => Season::Winter,
                Season::Autumn => Season::Spring,
            },
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Season::Winter => "winter",
            Season::Spring => "spring",
            Season::Summer => "summer",
            Season::Autumn => "autumn",
        }
    }
}

/// Where a [`Geo`] came from; a better source is never overwritten by a worse one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum GeoSource {
    TimeZone,
    Config,
    Hint,
}

impl GeoSource {
    pub fn as_str(self) -> &'static str {
        match self {
            GeoSource::TimeZone => "timezone",
            GeoSource::Config => "config",
            GeoSource::Hint => "hint",
        }
    }

    pub fn parse(s: &str) -> Option<GeoSource> {
        match s {
            "timezone" => Some(GeoSource::TimeZone),
            "config" => Some(GeoSource::Config),
            "hint" => Some(GeoSource::Hint),
            _ => None,
        }
    }
}

/// The visitor's coarse location. Every field is optional: an unknown time zone still tells the
/// hemisphere of its area, and a hint may name only the country.
#[derive(Debug, Clone, PartialEq)]
pub struct Geo {
    /// ISO 3166-1 alpha-2, upper case (`JP`).
    pub country: Option<String>,
    /// ISO 3166-2 subdivision (`JP-01`), only from a hint or configuration.
    pub region: Option<String>,
    /// IANA zone as the browser reported it (`Asia/Tokyo`).
    pub time_zone: Option<String>,
    pub hemisphere: Option<Hemisphere>,
    pub source: GeoSource,
}

/// A validated location hint: a country code, or a subdivision code with its country.
#[derive(Debug, Clone, PartialEq)]
pub struct Hint {
    pub country: String,
    pub region: Option<String>,
}

/// Parses `JP`, `jp`, `JP-01`, `US-CA` or `GB-ENG`. A country is two ASCII letters; a subdivision
/// one to three ASCII letters or digits. Japanese prefectures must be `JP-01` (Hokkaido) …
/// `JP-47` (Okinawa). Anything else is rejected, not guessed.
pub fn parse_hint(text: &str) -> Option<Hint> {
    let text = text.trim();
    let (country, sub) = match text.split_once('-') {
        Some((c, s)) => (c, Some(s)),
        None => (text, None),
    };
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let country = country.to_ascii_uppercase();
    let region = match sub {
        None => None,
        Some(sub) => {
            let ok = (1..=3).contains(&sub.len()) && sub.bytes().all(|b| b.is_ascii_alphanumeric());
            if !ok {
                return None;
            }
            let sub = sub.to_ascii_uppercase();
            if country == "JP" {
                let n: u8 = sub.parse().ok()?;
                if sub.len() != 2 || !(1..=47).contains(&n) {
                    return None;
                }
            }
            let mut region = country.clone();
            region.push('-');
            region.push_str(&sub);
            Some(region)
        }
    };
    Some(Hint { country, region })
}

/// What the time zone table says about one zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZoneInfo {
    pub country: Option<&'static str>,
    pub hemisphere: Option<Hemisphere>,
}

/// Looks up an IANA zone (`Asia/Tokyo`, `America/Argentina/Salta`, legacy `US/Eastern`, `Japan`).
/// An unlisted zone of a one-hemisphere area (`Europe/Xyz`) still gives its hemisphere.
pub fn zone_info(zone: &str) -> ZoneInfo {
    let (area, rest) = zone.split_once('/').unwrap_or(("", zone));
    let mut info = ZoneInfo {
        country: None,
        hemisphere: area_hemisphere(area),
    };
    let Some((_, entries)) = ZONES.iter().find(|(a, _)| *a == area) else {
        return info;
    };
    for entry in entries.split(' ') {
        let Some((name, country)) = entry.split_once(':') else {
            continue;
        };
        let hit = match name.strip_suffix('*') {
            Some(prefix) => rest.starts_with(prefix),
            None => name == rest,
        };
        if hit {
            info.country = Some(country);
            info.hemisphere = Some(Hemisphere::of_country(country));
            break;
        }
    }
    info
}

fn area_hemisphere(area: &str) -> Option<Hemisphere> {
    match area {
        "Europe" | "Asia" | "Arctic" | "US" | "Canada" | "Mexico" => Some(Hemisphere::North),
        "Australia" | "Antarctica" | "Brazil" | "Chile" => Some(Hemisphere::South),
        _ => None,
    }
}

/// Decides the visitor's geo: an edge/server hint wins, then the site's configured code, then
/// the time zone. `None` when nothing usable is known (an invalid hint is ignored, not trusted).
pub fn resolve(
    hint: Option<&str>,
    configured: Option<&str>,
    time_zone: Option<&str>,
) -> Option<Geo> {
    let tz = time_zone
        .map(str::trim)
        .filter(|z| !z.is_empty() && z.len() <= 64);
    let from_hint = |text: Option<&str>, source| {
        let h = parse_hint(text?)?;
        let hemisphere = Some(Hemisphere::of_country(&h.country));
        Some(Geo {
            country: Some(h.country),
            region: h.region,
            time_zone: tz.map(str::to_owned),
            hemisphere,
            source,
        })
    };
    if let Some(geo) = from_hint(hint, GeoSource::Hint) {
        return Some(geo);
    }
    if let Some(geo) = from_hint(configured, GeoSource::Config) {
        return Some(geo);
    }
    let zone = tz?;
    let info = zone_info(zone);
    if info.country.is_none() && info.hemisphere.is_none() {
        return None;
    }
    Some(Geo {
        country: info.country.map(str::to_owned),
        region: None,
        time_zone: Some(zone.to_owned()),
        hemisphere: info.hemisphere,
        source: GeoSource::TimeZone,
    })
}

/// Countries most of whose people live south of the equator, as concatenated alpha-2 codes.
const SOUTHERN_COUNTRIES: &str = "AOARASAQAUBIBOBRBVBWCCCDCGCKCXECFJFKHMIDIOKEKMLSMGMUMWMZNANCNF\
NRNUNZPEPFPGPNPYREGSRWSBSCSHSZTFTKTLTOTVTZUYVUWFWSYTZAZMZW";

/// IANA zone → country, grouped by area. Entries are `City:CC`; `Prefix*:CC` covers a whole
/// sub-area (`Argentina/*`). Legacy single-word zones (`Japan`) sit in the area `""`. Covers the
/// common zones of every continent; an unlisted zone falls back to its area's hemisphere.
pub const ZONES: &[(&str, &str)] = &[
    (
        "Europe",
        "Amsterdam:NL Andorra:AD Astrakhan:RU Athens:GR Belfast:GB Belgrade:RS Berlin:DE \
Bratislava:SK Brussels:BE Bucharest:RO Budapest:HU Busingen:DE Chisinau:MD Copenhagen:DK \
Dublin:IE Gibraltar:GI Guernsey:GG Helsinki:FI Isle_of_Man:IM Istanbul:TR Jersey:JE \
Kaliningrad:RU Kiev:UA Kirov:RU Kyiv:UA Lisbon:PT Ljubljana:SI London:GB Luxembourg:LU \
Madrid:ES Malta:MT Mariehamn:AX Minsk:BY Monaco:MC Moscow:RU Oslo:NO Paris:FR Podgorica:ME \
Prague:CZ Riga:LV Rome:IT Samara:RU San_Marino:SM Sarajevo:BA Saratov:RU Simferopol:UA \
Skopje:MK Sofia:BG Stockholm:SE Tallinn:EE Tirane:AL Ulyanovsk:RU Vaduz:LI Vatican:VA \
Vienna:AT Vilnius:LT Volgograd:RU Warsaw:PL Zagreb:HR Zurich:CH",
    ),
    (
        "Asia",
        "Aden:YE Almaty:KZ Amman:JO Aqtobe:KZ Ashgabat:TM Baghdad:IQ Bahrain:BH Baku:AZ \
Bangkok:TH Barnaul:RU Beirut:LB Bishkek:KG Brunei:BN Calcutta:IN Chita:RU Choibalsan:MN \
Chongqing:CN Colombo:LK Dacca:BD Damascus:SY Dhaka:BD Dili:TL Dubai:AE Dushanbe:TJ \
Famagusta:CY Gaza:PS Harbin:CN Hebron:PS Ho_Chi_Minh:VN Hong_Kong:HK Hovd:MN Irkutsk:RU \
Istanbul:TR Jakarta:ID Jayapura:ID Jerusalem:IL Kabul:AF Kamchatka:RU Karachi:PK \
Kathmandu:NP Katmandu:NP Kolkata:IN Krasnoyarsk:RU Kuala_Lumpur:MY Kuching:MY Kuwait:KW \
Macau:MO Magadan:RU Makassar:ID Manila:PH Muscat:OM Nicosia:CY Novokuznetsk:RU \
Novosibirsk:RU Omsk:RU Phnom_Penh:KH Pontianak:ID Pyongyang:KP Qatar:QA Qostanay:KZ \
Rangoon:MM Riyadh:SA Saigon:VN Sakhalin:RU Samarkand:UZ Seoul:KR Shanghai:CN Singapore:SG \
Taipei:TW Tashkent:UZ Tbilisi:GE Tehran:IR Tel_Aviv:IL Thimphu:BT Tokyo:JP Tomsk:RU \
Ulaanbaatar:MN Urumqi:CN Vientiane:LA Vladivostok:RU Yakutsk:RU Yangon:MM \
Yekaterinburg:RU Yerevan:AM",
    ),
    (
        "Africa",
        "Abidjan:CI Accra:GH Addis_Ababa:ET Algiers:DZ Asmara:ER Bamako:ML Bangui:CF Banjul:GM \
Bissau:GW Blantyre:MW Brazzaville:CG Bujumbura:BI Cairo:EG Casablanca:MA Ceuta:ES Conakry:GN \
Dakar:SN Dar_es_Salaam:TZ Djibouti:DJ Douala:CM El_Aaiun:EH Freetown:SL Gaborone:BW \
Harare:ZW Johannesburg:ZA Juba:SS Kampala:UG Khartoum:SD Kigali:RW Kinshasa:CD Lagos:NG \
Libreville:GA Lome:TG Luanda:AO Lubumbashi:CD Lusaka:ZM Malabo:GQ Maputo:MZ Maseru:LS \
Mbabane:SZ Mogadishu:SO Monrovia:LR Nairobi:KE Ndjamena:TD Niamey:NE Nouakchott:MR \
Ouagadougou:BF Porto-Novo:BJ Sao_Tome:ST Tripoli:LY Tunis:TN Windhoek:NA",
    ),
    (
        "America",
        "Adak:US Anchorage:US Anguilla:AI Antigua:AG Araguaina:BR Argentina/*:AR Aruba:AW \
Asuncion:PY Bahia:BR Barbados:BB Belem:BR Belize:BZ Boa_Vista:BR Bogota:CO Boise:US \
Buenos_Aires:AR Campo_Grande:BR Cancun:MX Caracas:VE Cayenne:GF Cayman:KY Chicago:US \
Chihuahua:MX Cordoba:AR Costa_Rica:CR Cuiaba:BR Curacao:CW Denver:US Detroit:US Dominica:DM \
Edmonton:CA El_Salvador:SV Fortaleza:BR Godthab:GL Grand_Turk:TC Grenada:GD Guadeloupe:GP \
Guatemala:GT Guayaquil:EC Guyana:GY Halifax:CA Havana:CU Hermosillo:MX Indiana/*:US \
Indianapolis:US Iqaluit:CA Jamaica:JM Juneau:US Kentucky/*:US La_Paz:BO Lima:PE \
Los_Angeles:US Louisville:US Maceio:BR Managua:NI Manaus:BR Martinique:MQ Mazatlan:MX \
Menominee:US Merida:MX Mexico_City:MX Miquelon:PM Moncton:CA Monterrey:MX Montevideo:UY \
Montreal:CA Montserrat:MS Nassau:BS New_York:US Nome:US Noronha:BR North_Dakota/*:US \
Nuuk:GL Panama:PA Paramaribo:SR Phoenix:US Port-au-Prince:HT Port_of_Spain:TT \
Porto_Velho:BR Puerto_Rico:PR Punta_Arenas:CL Recife:BR Regina:CA Rio_Branco:BR \
Santarem:BR Santiago:CL Santo_Domingo:DO Sao_Paulo:BR Sitka:US St_Johns:CA St_Kitts:KN \
St_Lucia:LC St_Thomas:VI St_Vincent:VC Tegucigalpa:HN Thule:GL Tijuana:MX Toronto:CA \
Tortola:VG Vancouver:CA Whitehorse:CA Winnipeg:CA Yellowknife:CA",
    ),
    ("Australia", "*:AU"),
    ("Antarctica", "*:AQ"),
    (
        "Pacific",
        "Apia:WS Auckland:NZ Bougainville:PG Chatham:NZ Chuuk:FM Easter:CL Efate:VU Fakaofo:TK \
Fiji:FJ Funafuti:TV Galapagos:EC Gambier:PF Guadalcanal:SB Guam:GU Honolulu:US \
Kiritimati:KI Kosrae:FM Kwajalein:MH Majuro:MH Marquesas:PF Nauru:NR Niue:NU Norfolk:NF \
Noumea:NC Pago_Pago:AS Palau:PW Pitcairn:PN Pohnpei:FM Port_Moresby:PG Rarotonga:CK \
Saipan:MP Tahiti:PF Tarawa:KI Tongatapu:TO Wallis:WF",
    ),
    (
        "Atlantic",
        "Azores:PT Bermuda:BM Canary:ES Cape_Verde:CV Faroe:FO Madeira:PT Reykjavik:IS \
South_Georgia:GS St_Helena:SH Stanley:FK",
    ),
    (
        "Indian",
        "Antananarivo:MG Chagos:IO Christmas:CX Cocos:CC Comoro:KM Kerguelen:TF Mahe:SC \
Maldives:MV Mauritius:MU Mayotte:YT Reunion:RE",
    ),
    ("Arctic", "Longyearbyen:SJ"),
    ("US", "*:US"),
    ("Canada", "*:CA"),
    ("Brazil", "*:BR"),
    ("Mexico", "*:MX"),
    ("Chile", "*:CL"),
    (
        "",
        "Cuba:CU Egypt:EG Eire:IE GB:GB Hongkong:HK Iceland:IS Iran:IR Israel:IL Jamaica:JM \
Japan:JP Libya:LY NZ:NZ Navajo:US PRC:CN Poland:PL Portugal:PT ROC:TW ROK:KR Singapore:SG \
Turkey:TR",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seasons_flip_between_hemispheres() {
        use Hemisphere::*;
        assert_eq!(Season::of(North, 1), Some(Season::Winter));
        assert_eq!(Season::of(North, 12), Some(Season::Winter));
        assert_eq!(Season::of(North, 3), Some(Season::Spring));
        assert_eq!(Season::of(North, 8), Some(Season::Summer));
        assert_eq!(Season::of(North, 11), Some(Season::Autumn));
        assert_eq!(Season::of(South, 1), Some(Season::Summer));
        assert_eq!(Season::of(South, 4), Some(Season::Autumn));
        assert_eq!(Season::of(South, 7), Some(Season::Winter));
        assert_eq!(Season::of(South, 10), Some(Season::Spring));
        assert_eq!(Season::of(North, 0), None);
        assert_eq!(Season::of(North, 13), None);
    }

    #[test]
    fn japanese_prefecture_hints_are_validated() {
        let h = parse_hint("JP-01").unwrap();
        assert_eq!(
            (h.country.as_str(), h.region.as_deref()),
            ("JP", Some("JP-01"))
        );
        assert_eq!(
            parse_hint("jp-47").unwrap().region.as_deref(),
            Some("JP-47")
        );
        for bad in [
            "JP-00", "JP-48", "JP-1", "JP-001", "JP-AB", "JP-", "J", "JPN", "1P", "", "JP-0é",
        ] {
            assert_eq!(parse_hint(bad), None, "{bad}");
        }
        assert_eq!(
            parse_hint(" au ").unwrap(),
            Hint {
                country: "AU".into(),
                region: None
            }
        );
        assert_eq!(
            parse_hint("US-CA").unwrap().region.as_deref(),
            Some("US-CA")
        );
        assert_eq!(
            parse_hint("GB-ENG").unwrap().region.as_deref(),
            Some("GB-ENG")
        );
        assert_eq!(parse_hint("US-CALI"), None);
    }

    #[test]
    fn zones_map_to_country_and_hemisphere() {
        let cases = [
            ("Asia/Tokyo", Some("JP"), Some(Hemisphere::North)),
            ("Australia/Sydney", Some("AU"), Some(Hemisphere::South)),
            ("Australia/Perth", Some("AU"), Some(Hemisphere::South)),
            ("America/Sao_Paulo", Some("BR"), Some(Hemisphere::South)),
            (
                "America/Argentina/Salta",
                Some("AR"),
                Some(Hemisphere::South),
            ),
            ("America/Indiana/Knox", Some("US"), Some(Hemisphere::North)),
            ("America/New_York", Some("US"), Some(Hemisphere::North)),
            ("Europe/Berlin", Some("DE"), Some(Hemisphere::North)),
            ("Europe/Nowhere", None, Some(Hemisphere::North)),
            ("Africa/Johannesburg", Some("ZA"), Some(Hemisphere::South)),
            ("Africa/Cairo", Some("EG"), Some(Hemisphere::North)),
            ("Pacific/Auckland", Some("NZ"), Some(Hemisphere::South)),
            ("Pacific/Honolulu", Some("US"), Some(Hemisphere::North)),
            ("Asia/Kolkata", Some("IN"), Some(Hemisphere::North)),
            ("Asia/Jakarta", Some("ID"), Some(Hemisphere::South)),
            ("Antarctica/McMurdo", Some("AQ"), Some(Hemisphere::South)),
            ("US/Eastern", Some("US"), Some(Hemisphere::North)),
            ("Japan", Some("JP"), Some(Hemisphere::North)),
            ("Etc/UTC", None, None),
            ("UTC", None, None),
            ("Pacific/Nowhere", None, None),
        ];
        for (zone, country, hemisphere) in cases {
            assert_eq!(
                zone_info(zone),
                ZoneInfo {
                    country,
                    hemisphere
                },
                "{zone}"
            );
        }
    }

    #[test]
    fn table_is_compact_and_well_formed() {
        let mut entries = 0;
        let mut bytes = 0;
        for (_, list) in ZONES {
            bytes += list.len();
            for entry in list.split(' ') {
                let (name, cc) = entry.split_once(':').expect(entry);
                assert!(!name.is_empty() && cc.len() == 2, "{entry}");
                assert!(cc.bytes().all(|b| b.is_ascii_uppercase()), "{entry}");
                entries += 1;
            }
        }
        assert!((250..=400).contains(&entries), "{entries} zones");
        assert!(bytes < 5000, "{bytes} bytes");
        assert_eq!(SOUTHERN_COUNTRIES.len() % 2, 0);
    }

    #[test]
    fn hint_beats_config_beats_time_zone() {
        let g = resolve(Some("JP-01"), Some("AU"), Some("Australia/Sydney")).unwrap();
        assert_eq!(g.country.as_deref(), Some("JP"));
        assert_eq!(g.region.as_deref(), Some("JP-01"));
        assert_eq!(g.hemisphere, Some(Hemisphere::North));
        assert_eq!(g.source, GeoSource::Hint);
        assert_eq!(g.time_zone.as_deref(), Some("Australia/Sydney"));

        let g = resolve(Some("garbage!"), Some("AU"), None).unwrap();
        assert_eq!(
            (g.country.as_deref(), g.source),
            (Some("AU"), GeoSource::Config)
        );
        assert_eq!(g.hemisphere, Some(Hemisphere::South));

        let g = resolve(None, None, Some("America/Sao_Paulo")).unwrap();
        assert_eq!(
            (g.country.as_deref(), g.source),
            (Some("BR"), GeoSource::TimeZone)
        );
        assert_eq!(g.region, None);
        assert_eq!(g.hemisphere, Some(Hemisphere::South));

        assert_eq!(resolve(None, None, Some("Etc/UTC")), None);
        assert_eq!(resolve(None, None, None), None);
        assert!(GeoSource::Hint > GeoSource::Config && GeoSource::Config > GeoSource::TimeZone);
    }
}
