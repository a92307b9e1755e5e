"""Held-out stories for ``benchmarks/bench_narratives.py``, written apart from the simulation bank
(``concerted.lenses.narratives.stories``) and never read by the tests or used to tune the lens.

A different event (a dockworkers' strike in the invented port city of Valmora), six stories on
it, each in six languages and four scripts (English, French, German, Hebrew, Russian, Arabic).
Unlike the simulation bank, a story's short post is written on its own, in the terse way people
post, not taken from the article; articles have three paragraphs and do not always repeat the
post's figures; some figures are written in words in some languages. Each version was written by
hand (no machine translation runs offline here).

:func:`world` lays them out as posts with light edits, with the answer.

Usage::

    python benchmarks/narratives_other_world.py --out held-out.csv
"""

from __future__ import annotations

import argparse
import csv
import random

# story -> language -> (post, article paragraphs...)
STORIES: dict[str, dict[str, tuple[str, ...]]] = {
    "walkout": {
        "en": (
            "Valmora dockers walked out at midnight. Not a single container is moving at the port.",
            "About 2,300 dockworkers at the port of Valmora went on strike at midnight on Monday.",
            "Their union is demanding an 8% pay rise and an end to night shifts without a bonus.",
            "The port authority said talks had broken down on Sunday evening.",
        ),
        "fr": (
            "Grève au port de Valmora depuis minuit : plus aucun conteneur ne bouge.",
            "Quelque 2 300 dockers du port de Valmora ont cessé le travail lundi à minuit.",
            "Leur syndicat réclame une hausse de salaire de 8 % et la fin des postes de nuit sans prime.",
            "Selon l'autorité portuaire, les négociations ont échoué dimanche soir.",
        ),
        "de": (
            "Streik im Hafen Valmora seit Mitternacht – kein einziger Container wird bewegt.",
            "Rund 2.300 Hafenarbeiter in Valmora sind in der Nacht zum Montag in den Streik getreten.",
            "Ihre Gewerkschaft fordert 8 Prozent mehr Lohn und ein Ende der Nachtschichten ohne Zuschlag.",
            "Die Hafenbehörde erklärte, die Gespräche seien am Sonntagabend gescheitert.",
        ),
        "he": (
            "עובדי הנמל בוולמורה שובתים מאז חצות. אף מכולה לא זזה.",
            "כ-2,300 עובדי נמל בוולמורה פתחו בשביתה בחצות שבין ראשון לשני.",
            "האיגוד שלהם דורש העלאת שכר של 8% וביטול משמרות לילה ללא תוספת.",
            "רשות הנמל מסרה שהמגעים קרסו ביום ראשון בערב.",
        ),
        "ru": (
            "Докеры Вальморы бастуют с полуночи, в порту не двигается ни один контейнер.",
            "Около 2300 портовых рабочих Вальморы объявили забастовку в ночь на понедельник.",
            "Профсоюз требует повысить зарплату на 8% и отменить ночные смены без доплаты.",
            "По словам администрации порта, переговоры сорвались в воскресенье вечером.",
        ),
        "ar": (
            "إضراب عمال ميناء فالمورا منذ منتصف الليل، ولا حاوية واحدة تتحرك.",
            "بدأ نحو 2300 من عمال الميناء في فالمورا إضرابا عند منتصف ليل الاثنين.",
            "وتطالب نقابتهم بزيادة الأجور بنسبة 8% وإلغاء المناوبات الليلية دون علاوة.",
            "وقالت سلطة الميناء إن المحادثات انهارت مساء الأحد.",
        ),
    },
    "ships_waiting": {
        "en": (
            "37 ships now stuck at anchor off Valmora, including a fuel tanker. Some are heading to Carsund instead.",
            "Thirty-seven cargo ships were waiting at anchor outside Valmora on Wednesday.",
            "Among them is a fuel tanker carrying supplies for the region's power plants.",
            "Two shipping lines said they would divert their vessels to the smaller port of Carsund.",
        ),
        "fr": (
            "37 navires bloqués au mouillage devant Valmora, dont un pétrolier. Certains partent vers Carsund.",
            "Trente-sept cargos attendaient mercredi au mouillage au large de Valmora.",
            "Parmi eux, un pétrolier chargé de carburant pour les centrales électriques de la région.",
            "Deux compagnies maritimes ont annoncé dérouter leurs navires vers le petit port de Carsund.",
        ),
        "de": (
            "37 Schiffe liegen vor Valmora fest, darunter ein Tanker. Manche weichen nach Carsund aus.",
            "Siebenunddreißig Frachter lagen am Mittwoch vor Valmora auf Reede.",
            "Darunter ist ein Tanker mit Brennstoff für die Kraftwerke der Region.",
            "Zwei Reedereien kündigten an, ihre Schiffe in den kleineren Hafen Carsund umzuleiten.",
        ),
        "he": (
            "37 אוניות תקועות בעגינה מול וולמורה, ביניהן מכלית דלק. חלקן מפליגות לקרסונד.",
            "שלושים ושבע אוניות משא המתינו ביום רביעי בעגינה מחוץ לנמל וולמורה.",
            "ביניהן מכלית שמובילה דלק לתחנות הכוח באזור.",
            "שתי חברות ספנות הודיעו שיסיטו את האוניות שלהן לנמל הקטן של קרסונד.",
        ),
        "ru": (
            "У Вальморы на рейде застряли 37 судов, среди них танкер с топливом. Часть уходит в Карсунд.",
            "В среду у Вальморы на якоре стояли тридцать семь грузовых судов.",
            "Среди них танкер с топливом для электростанций региона.",
            "Две судоходные компании сообщили, что перенаправят суда в небольшой порт Карсунд.",
        ),
        "ar": (
            "37 سفينة عالقة قبالة فالمورا بينها ناقلة وقود، وبعضها يتجه إلى كارسوند.",
            "كانت سبع وثلاثون سفينة شحن تنتظر يوم الأربعاء راسية خارج فالمورا.",
            "ومن بينها ناقلة تحمل الوقود لمحطات الكهرباء في المنطقة.",
            "وأعلنت شركتا شحن أنهما ستحولان سفنهما إلى ميناء كارسوند الأصغر.",
        ),
    },
    "minister_talks": {
        "en": (
            "Five hours of talks with minister Helena Brandt and still no deal for the dockers. They meet again Thursday.",
            "Transport minister Helena Brandt met union leaders for five hours on Tuesday without reaching an agreement.",
            "She offered a 4% rise spread over two years, which the union rejected.",
            "A new meeting is planned for Thursday morning.",
        ),
        "fr": (
            "Cinq heures de discussion avec la ministre Helena Brandt et toujours pas d'accord. Nouveau rendez-vous jeudi.",
            "La ministre des Transports, Helena Brandt, a reçu mardi les dirigeants syndicaux pendant cinq heures, sans accord.",
            "Elle a proposé une hausse de 4 % étalée sur deux ans, que le syndicat a refusée.",
            "Une nouvelle réunion est prévue jeudi matin.",
        ),
        "de": (
            "Fünf Stunden Gespräche mit Ministerin Helena Brandt, aber keine Einigung. Am Donnerstag geht es weiter.",
            "Verkehrsministerin Helena Brandt hat am Dienstag fünf Stunden mit der Gewerkschaftsspitze verhandelt, ohne Ergebnis.",
            "Sie bot eine Erhöhung um 4 Prozent über zwei Jahre an, die die Gewerkschaft ablehnte.",
            "Ein neues Treffen ist für Donnerstagvormittag angesetzt.",
        ),
        "he": (
            "חמש שעות של שיחות עם השרה הלנה ברנדט ועדיין אין הסכם. נפגשים שוב ביום חמישי.",
            "שרת התחבורה הלנה ברנדט נפגשה ביום שלישי עם ראשי האיגוד במשך חמש שעות בלי להגיע להסכמה.",
            "היא הציעה תוספת של 4% על פני שנתיים, והאיגוד דחה את ההצעה.",
            "פגישה נוספת נקבעה ליום חמישי בבוקר.",
        ),
        "ru": (
            "Пять часов переговоров с министром Хеленой Брандт, а соглашения всё нет. Следующая встреча в четверг.",
            "Министр транспорта Хелена Брандт во вторник пять часов вела переговоры с лидерами профсоюза, но договориться не удалось.",
            "Она предложила повышение на 4% в течение двух лет, профсоюз отказался.",
            "Новая встреча назначена на утро четверга.",
        ),
        "ar": (
            "خمس ساعات من المحادثات مع الوزيرة هيلينا برانت ولا اتفاق بعد. لقاء جديد يوم الخميس.",
            "التقت وزيرة النقل هيلينا برانت قادة النقابة يوم الثلاثاء لمدة خمس ساعات دون التوصل إلى اتفاق.",
            "وعرضت زيادة بنسبة 4% على مدى عامين، لكن النقابة رفضتها.",
            "ومن المقرر عقد اجتماع جديد صباح الخميس.",
        ),
    },
    "tear_gas": {
        "en": (
            "Tear gas at the north gate of Valmora port this morning, 9 strikers detained.",
            "Police fired tear gas on Friday morning to clear strikers blocking the north gate of the port.",
            "Nine people were detained and a police van was damaged.",
            "The union called the operation a provocation and announced a march for Saturday.",
        ),
        "fr": (
            "Gaz lacrymogène ce matin à la porte nord du port de Valmora, 9 grévistes interpellés.",
            "La police a fait usage de gaz lacrymogène vendredi matin pour déloger les grévistes qui bloquaient la porte nord du port.",
            "Neuf personnes ont été interpellées et un fourgon de police a été endommagé.",
            "Le syndicat a dénoncé une provocation et appelé à manifester samedi.",
        ),
        "de": (
            "Tränengas heute früh am Nordtor des Hafens Valmora, 9 Streikende festgenommen.",
            "Die Polizei setzte am Freitagmorgen Tränengas ein, um Streikende vom Nordtor des Hafens zu vertreiben.",
            "Neun Menschen wurden festgenommen, ein Polizeiwagen wurde beschädigt.",
            "Die Gewerkschaft sprach von einer Provokation und rief für Samstag zu einem Marsch auf.",
        ),
        "he": (
            "גז מדמיע הבוקר בשער הצפוני של נמל וולמורה, 9 שובתים נעצרו.",
            "המשטרה ירתה גז מדמיע ביום שישי בבוקר כדי לפנות שובתים שחסמו את השער הצפוני של הנמל.",
            "תשעה בני אדם נעצרו וניידת משטרה ניזוקה.",
            "האיגוד כינה את הפעולה פרובוקציה והודיע על צעדה ביום שבת.",
        ),
        "ru": (
            "Утром у северных ворот порта Вальморы применили слезоточивый газ, задержаны 9 забастовщиков.",
            "В пятницу утром полиция применила слезоточивый газ, чтобы разогнать забастовщиков, перекрывших северные ворота порта.",
            "Девять человек задержаны, повреждён полицейский фургон.",
            "Профсоюз назвал операцию провокацией и объявил марш на субботу.",
        ),
        "ar": (
            "غاز مسيل للدموع صباح اليوم عند البوابة الشمالية لميناء فالمورا، واحتجاز 9 مضربين.",
            "أطلقت الشرطة الغاز المسيل للدموع صباح الجمعة لتفريق المضربين الذين أغلقوا البوابة الشمالية للميناء.",
            "واحتجز تسعة أشخاص وتضررت سيارة للشرطة.",
            "ووصفت النقابة العملية بأنها استفزاز وأعلنت عن مسيرة يوم السبت.",
        ),
    },
    "shelves": {
        "en": (
            "No, Valmora's supermarkets are not running out of food. Fruit deliveries are late, that's all.",
            "Supermarket chains in Valmora denied on Thursday rumours of food shortages caused by the strike.",
            "Deliveries of imported fruit are running two or three days late, they said, but shelves are full.",
            "The rumours spread on messaging apps with photos taken during a holiday rush last year.",
        ),
        "fr": (
            "Non, les supermarchés de Valmora ne manquent pas de nourriture. Les fruits arrivent en retard, c'est tout.",
            "Les chaînes de supermarchés de Valmora ont démenti jeudi les rumeurs de pénurie alimentaire liées à la grève.",
            "Les livraisons de fruits importés ont deux ou trois jours de retard, mais les rayons sont pleins, assurent-elles.",
            "Les rumeurs ont circulé sur des messageries avec des photos prises lors d'une ruée de fêtes l'an dernier.",
        ),
        "de": (
            "Nein, in Valmoras Supermärkten gehen die Lebensmittel nicht aus. Nur das Obst kommt später.",
            "Supermarktketten in Valmora haben am Donnerstag Gerüchte über streikbedingte Engpässe bei Lebensmitteln zurückgewiesen.",
            "Importiertes Obst komme zwei bis drei Tage später an, die Regale seien aber voll.",
            "Die Gerüchte verbreiteten sich über Messenger mit Fotos aus dem Feiertagsansturm des Vorjahres.",
        ),
        "he": (
            "לא, לסופרמרקטים בוולמורה לא נגמר האוכל. משלוחי הפירות מתעכבים, זה הכול.",
            "רשתות השיווק בוולמורה הכחישו ביום חמישי שמועות על מחסור במזון בגלל השביתה.",
            "לדבריהן משלוחי פירות מיובאים מתעכבים ביומיים-שלושה, אבל המדפים מלאים.",
            "השמועות הופצו באפליקציות מסרים עם תמונות שצולמו בעומס של החגים בשנה שעברה.",
        ),
        "ru": (
            "Нет, в супермаркетах Вальморы еда не заканчивается. Просто фрукты привозят с опозданием.",
            "Сети супермаркетов Вальморы в четверг опровергли слухи о нехватке продуктов из-за забастовки.",
            "По их словам, импортные фрукты приходят с опозданием на два-три дня, но полки полные.",
            "Слухи распространялись в мессенджерах вместе с фотографиями праздничного ажиотажа прошлого года.",
        ),
        "ar": (
            "لا، محلات السوبرماركت في فالمورا لم ينفد منها الطعام. شحنات الفاكهة متأخرة فقط.",
            "نفت سلاسل المتاجر الكبرى في فالمورا يوم الخميس شائعات عن نقص في المواد الغذائية بسبب الإضراب.",
            "وقالت إن شحنات الفاكهة المستوردة تتأخر يومين أو ثلاثة، لكن الرفوف ممتلئة.",
            "وانتشرت الشائعات عبر تطبيقات المراسلة مع صور التقطت خلال زحام الأعياد العام الماضي.",
        ),
    },
    "fishermen": {
        "en": (
            "Fishermen have joined the dockers: around 60 boats are blocking the mouth of Valmora harbour.",
            "Around sixty fishing boats blocked the entrance to Valmora harbour on Saturday in support of the strike.",
            "The fishermen say the port's new fees hit them as hard as the dockers' wages.",
            "The coast guard asked them to leave a channel open for emergencies, and they agreed.",
        ),
        "fr": (
            "Les pêcheurs rejoignent les dockers : une soixantaine de bateaux bloquent l'entrée du port de Valmora.",
            "Une soixantaine de bateaux de pêche ont bloqué samedi l'entrée du port de Valmora en soutien à la grève.",
            "Les pêcheurs affirment que les nouvelles taxes portuaires les frappent autant que les salaires des dockers.",
            "Les garde-côtes leur ont demandé de laisser un chenal libre pour les urgences, ce qu'ils ont accepté.",
        ),
        "de": (
            "Die Fischer schließen sich an: rund 60 Boote blockieren die Einfahrt des Hafens Valmora.",
            "Etwa sechzig Fischerboote haben am Samstag aus Solidarität mit dem Streik die Hafeneinfahrt von Valmora blockiert.",
            "Die Fischer sagen, die neuen Hafengebühren träfen sie so hart wie die Hafenarbeiter ihre Löhne.",
            "Die Küstenwache bat sie, eine Fahrrinne für Notfälle freizuhalten, und sie willigten ein.",
        ),
        "he": (
            "הדייגים הצטרפו לעובדי הנמל: כ-60 סירות חוסמות את הכניסה לנמל וולמורה.",
            "כשישים סירות דיג חסמו ביום שבת את הכניסה לנמל וולמורה כדי לתמוך בשביתה.",
            "הדייגים אומרים שהאגרות החדשות של הנמל פוגעות בהם כמו שהשכר פוגע בעובדי הנמל.",
            "משמר החופים ביקש מהם להשאיר נתיב פתוח למקרי חירום, והם הסכימו.",
        ),
        "ru": (
            "Рыбаки присоединились к докерам: около 60 лодок перекрыли вход в гавань Вальморы.",
            "В субботу около шестидесяти рыболовецких судов перекрыли вход в гавань Вальморы в поддержку забастовки.",
            "Рыбаки говорят, что новые портовые сборы бьют по ним так же, как по докерам низкие зарплаты.",
            "Береговая охрана попросила оставить фарватер открытым для экстренных случаев, и они согласились.",
        ),
        "ar": (
            "الصيادون ينضمون إلى عمال الميناء: نحو 60 قاربا تغلق مدخل ميناء فالمورا.",
            "أغلق نحو ستين قارب صيد يوم السبت مدخل ميناء فالمورا دعما للإضراب.",
            "ويقول الصيادون إن الرسوم الجديدة للميناء تضرهم بقدر ما تضر الأجور عمال الميناء.",
            "وطلب خفر السواحل منهم ترك ممر مفتوح لحالات الطوارئ، فوافقوا.",
        ),
    },
}

_FRONT = ("", "", "", "RT ", "Breaking: ", "‼️ ", "👉 ")
_BACK = ("", "", " #Valmora", " #strike", " 😡", " 🙏", " https://port.example/live")


def world(*, copies: int = 3, articles: int = 1, seed: int = 11, kinds=("post", "article")):
    """Rows ``id, actor, time, text, story, language, kind``: ``copies`` lightly edited short
    posts and ``articles`` articles per story and language, by different accounts, over two
    days."""
    rng = random.Random(seed)
    rows = []
    for story, versions in STORIES.items():
        for lang, texts in versions.items():
            if "post" in kinds:
                for _ in range(copies):
                    text = rng.choice(_FRONT) + texts[0] + rng.choice(_BACK)
                    rows.append((story, lang, "post", text))
            if "article" in kinds:
                for _ in range(articles):
                    paragraphs = list(texts[1:])
                    if rng.random() < 0.3:
                        paragraphs = paragraphs[:2]
                    rows.append((story, lang, "article", "\n\n".join(paragraphs)))
    rng.shuffle(rows)
    out = []
    for i, (story, lang, kind, text) in enumerate(rows):
        out.append(
            {
                "id": f"h{i + 1}",
                "actor": f"acct{rng.randrange(10_000)}",
                "time": 1_720_000_000 + rng.uniform(0, 2 * 86400),
                "text": text,
                "story": story,
                "language": lang,
                "kind": kind,
            }
        )
    return sorted(out, key=lambda r: r["time"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rows = world(seed=args.seed)
    with open(args.out, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print(f"{len(rows)} posts -> {args.out}")


if __name__ == "__main__":
    main()
