"""A bank of hand-written stories for :mod:`.simulate`: six different stories about ONE event (a
mayoral rally in the invented city of Lindmark), each told in seven languages and four scripts
(English, French, Spanish, German, Hebrew, Russian, Arabic), as a short post (the first
paragraph) and as an article (three paragraphs).

Written by hand, not translated by a machine (none runs offline here): each version says the same
facts in its own words. The stories share the city, the candidates and the topic, so only what
happened tells them apart. ``benchmarks/narratives_other_world.py`` holds a separate bank, written
independently, that tests and tuning never read.
"""

from __future__ import annotations

LANGUAGES = ("en", "fr", "es", "de", "he", "ru", "ar")

# story -> language -> three paragraphs (the first is the short post).
STORIES: dict[str, dict[str, tuple[str, str, str]]] = {
    "arrests": {
        "en": (
            "Police arrested 12 protesters outside Maria Keller's rally at Lindmark stadium on Saturday evening.",
            "The protesters had tried to block the main gate; two officers were slightly hurt.",
            "All 12 were released on Sunday morning without charges.",
        ),
        "fr": (
            "La police a interpellé 12 manifestants devant le meeting de Maria Keller au stade de Lindmark samedi soir.",
            "Les manifestants avaient tenté de bloquer l'entrée principale ; deux policiers ont été légèrement blessés.",
            "Les 12 personnes ont été relâchées dimanche matin sans poursuites.",
        ),
        "es": (
            "La policía detuvo a 12 manifestantes frente al mitin de Maria Keller en el estadio de Lindmark el sábado por la noche.",
            "Los manifestantes intentaron bloquear la puerta principal; dos agentes resultaron levemente heridos.",
            "Los 12 quedaron en libertad el domingo por la mañana sin cargos.",
        ),
        "de": (
            "Die Polizei hat am Samstagabend vor der Kundgebung von Maria Keller im Stadion von Lindmark 12 Demonstranten festgenommen.",
            "Die Demonstranten hatten versucht, das Haupttor zu blockieren; zwei Beamte wurden leicht verletzt.",
            "Alle 12 kamen am Sonntagmorgen ohne Anklage wieder frei.",
        ),
        "he": (
            "המשטרה עצרה 12 מפגינים מחוץ לעצרת של מריה קלר באצטדיון לינדמרק במוצאי שבת.",
            "המפגינים ניסו לחסום את השער הראשי; שני שוטרים נפצעו קל.",
            "כל 12 העצורים שוחררו ביום ראשון בבוקר ללא כתב אישום.",
        ),
        "ru": (
            "В субботу вечером полиция задержала 12 протестующих у митинга Марии Келлер на стадионе Линдмарка.",
            "Протестующие пытались перекрыть главный вход; двое полицейских получили лёгкие ранения.",
            "В воскресенье утром всех 12 отпустили без предъявления обвинений.",
        ),
        "ar": (
            "اعتقلت الشرطة 12 متظاهرا أمام تجمع ماريا كيلر في ملعب ليندمارك مساء السبت.",
            "حاول المتظاهرون إغلاق البوابة الرئيسية، وأصيب شرطيان بجروح طفيفة.",
            "أطلق سراح الـ12 صباح الأحد دون توجيه أي تهم.",
        ),
    },
    "empty_seats": {
        "en": (
            "Only about 6,000 of the 19,000 seats were filled at Keller's rally in Lindmark.",
            "Organisers blamed long security checks at the entrances for the small crowd.",
            "Local television showed the empty upper stands during her speech.",
        ),
        "fr": (
            "Seuls 6 000 des 19 000 sièges étaient occupés au meeting de Keller à Lindmark.",
            "Les organisateurs ont mis la faible affluence sur le compte des longs contrôles de sécurité aux entrées.",
            "La télévision locale a montré les tribunes supérieures vides pendant son discours.",
        ),
        "es": (
            "Solo unas 6.000 de las 19.000 butacas estaban ocupadas en el mitin de Keller en Lindmark.",
            "Los organizadores culparon a los largos controles de seguridad en las entradas de la escasa asistencia.",
            "La televisión local mostró las gradas superiores vacías durante su discurso.",
        ),
        "de": (
            "Nur rund 6.000 der 19.000 Plätze waren bei Kellers Kundgebung in Lindmark besetzt.",
            "Die Veranstalter machten lange Sicherheitskontrollen an den Eingängen für das geringe Publikum verantwortlich.",
            "Das Lokalfernsehen zeigte während ihrer Rede die leeren oberen Ränge.",
        ),
        "he": (
            "רק כ-6,000 מתוך 19,000 המושבים היו תפוסים בעצרת של קלר בלינדמרק.",
            "המארגנים האשימו את בדיקות הביטחון הארוכות בכניסות במיעוט הקהל.",
            "הטלוויזיה המקומית הראתה את היציעים העליונים הריקים בזמן נאומה.",
        ),
        "ru": (
            "На митинге Келлер в Линдмарке были заняты лишь около 6 000 из 19 000 мест.",
            "Организаторы объяснили малое число зрителей долгими проверками безопасности на входах.",
            "Местное телевидение показало пустые верхние трибуны во время её речи.",
        ),
        "ar": (
            "لم يشغل سوى نحو 6000 من أصل 19000 مقعد في تجمع كيلر في ليندمارك.",
            "ألقى المنظمون باللوم على إجراءات التفتيش الأمني الطويلة عند المداخل في قلة الحضور.",
            "عرض التلفزيون المحلي المدرجات العليا الفارغة أثناء خطابها.",
        ),
    },
    "fares": {
        "en": (
            "At the rally Keller promised to cut Lindmark's bus and tram fares by half if she is elected.",
            "She said the plan would cost 40 million a year, paid for by a new tax on parking.",
            "Her rival called the promise unaffordable.",
        ),
        "fr": (
            "Lors du meeting, Keller a promis de diviser par deux le prix des bus et des trams de Lindmark si elle est élue.",
            "Selon elle, le projet coûterait 40 millions par an, financés par une nouvelle taxe sur le stationnement.",
            "Son adversaire a jugé la promesse impossible à financer.",
        ),
        "es": (
            "En el mitin, Keller prometió reducir a la mitad las tarifas de autobús y tranvía de Lindmark si gana.",
            "Dijo que el plan costaría 40 millones al año, pagados con un nuevo impuesto al aparcamiento.",
            "Su rival calificó la promesa de imposible de pagar.",
        ),
        "de": (
            "Bei der Kundgebung versprach Keller, die Bus- und Straßenbahnpreise in Lindmark zu halbieren, falls sie gewählt wird.",
            "Der Plan koste 40 Millionen im Jahr und werde durch eine neue Parkabgabe bezahlt, sagte sie.",
            "Ihr Rivale nannte das Versprechen unbezahlbar.",
        ),
        "he": (
            "בעצרת הבטיחה קלר להוריד בחצי את מחירי האוטובוסים והרכבת הקלה בלינדמרק אם תיבחר.",
            "לדבריה התוכנית תעלה 40 מיליון בשנה, שימומנו במס חדש על חניה.",
            "יריבה כינה את ההבטחה בלתי אפשרית למימון.",
        ),
        "ru": (
            "На митинге Келлер пообещала вдвое снизить цены на автобусы и трамваи Линдмарка, если её изберут.",
            "По её словам, план обойдётся в 40 миллионов в год и будет оплачен новым налогом на парковку.",
            "Её соперник назвал это обещание невыполнимым.",
        ),
        "ar": (
            "وعدت كيلر خلال التجمع بخفض أسعار الحافلات والترام في ليندمارك إلى النصف إذا انتخبت.",
            "وقالت إن الخطة ستكلف 40 مليونا سنويا تمول من ضريبة جديدة على مواقف السيارات.",
            "ووصف منافسها الوعد بأنه غير قابل للتمويل.",
        ),
    },
    "counter_rally": {
        "en": (
            "Rival candidate Tom Alvarez held a counter-rally in the river park with some 4,000 supporters.",
            "He accused Keller of dividing the city and called for calm.",
            "Both events ended without incident late in the evening.",
        ),
        "fr": (
            "Le candidat rival Tom Alvarez a organisé un contre-rassemblement au parc du fleuve avec quelque 4 000 partisans.",
            "Il a accusé Keller de diviser la ville et a appelé au calme.",
            "Les deux rassemblements se sont terminés sans incident tard dans la soirée.",
        ),
        "es": (
            "El candidato rival Tom Alvarez celebró un contramitin en el parque del río con unos 4.000 seguidores.",
            "Acusó a Keller de dividir la ciudad y pidió calma.",
            "Ambos actos terminaron sin incidentes a última hora de la tarde.",
        ),
        "de": (
            "Gegenkandidat Tom Alvarez hielt im Flusspark eine Gegenkundgebung mit etwa 4.000 Anhängern ab.",
            "Er warf Keller vor, die Stadt zu spalten, und rief zur Ruhe auf.",
            "Beide Veranstaltungen endeten spät am Abend ohne Zwischenfälle.",
        ),
        "he": (
            "המועמד היריב טום אלוורז קיים עצרת נגדית בפארק הנהר עם כ-4,000 תומכים.",
            "הוא האשים את קלר בפילוג העיר וקרא להרגעה.",
            "שני האירועים הסתיימו ללא תקריות בשעות הלילה המאוחרות.",
        ),
        "ru": (
            "Кандидат-соперник Том Альварес провёл в парке у реки контрмитинг, собрав около 4 000 сторонников.",
            "Он обвинил Келлер в расколе города и призвал к спокойствию.",
            "Оба мероприятия завершились поздно вечером без происшествий.",
        ),
        "ar": (
            "نظم المرشح المنافس توم ألفاريز تجمعا مضادا في حديقة النهر بحضور نحو 4000 من أنصاره.",
            "واتهم كيلر بتقسيم المدينة ودعا إلى الهدوء.",
            "وانتهى الحدثان دون حوادث في وقت متأخر من المساء.",
        ),
    },
    "stage_collapse": {
        "en": (
            "A lighting rig collapsed hours before the rally in Lindmark, injuring 3 workers.",
            "The injured were taken to the city hospital; one of them is in serious condition.",
            "The rally began 90 minutes late.",
        ),
        "fr": (
            "Une rampe d'éclairage s'est effondrée quelques heures avant le meeting à Lindmark, blessant 3 ouvriers.",
            "Les blessés ont été transportés à l'hôpital de la ville ; l'un d'eux est dans un état grave.",
            "Le meeting a commencé avec 90 minutes de retard.",
        ),
        "es": (
            "Una estructura de iluminación se derrumbó horas antes del mitin en Lindmark e hirió a 3 trabajadores.",
            "Los heridos fueron trasladados al hospital de la ciudad; uno de ellos está grave.",
            "El mitin empezó con 90 minutos de retraso.",
        ),
        "de": (
            "Wenige Stunden vor der Kundgebung in Lindmark stürzte ein Lichtgerüst ein und verletzte 3 Arbeiter.",
            "Die Verletzten wurden ins städtische Krankenhaus gebracht; einer von ihnen ist in ernstem Zustand.",
            "Die Kundgebung begann mit 90 Minuten Verspätung.",
        ),
        "he": (
            "מתקן תאורה קרס שעות ספורות לפני העצרת בלינדמרק ו-3 עובדים נפצעו.",
            "הפצועים פונו לבית החולים העירוני; אחד מהם במצב קשה.",
            "העצרת החלה באיחור של 90 דקות.",
        ),
        "ru": (
            "За несколько часов до митинга в Линдмарке обрушилась осветительная конструкция, пострадали 3 рабочих.",
            "Пострадавших доставили в городскую больницу; состояние одного из них тяжёлое.",
            "Митинг начался с опозданием на 90 минут.",
        ),
        "ar": (
            "انهارت منصة إضاءة قبل ساعات من التجمع في ليندمارك ما أدى إلى إصابة 3 عمال.",
            "نقل المصابون إلى مستشفى المدينة، وحالة أحدهم خطيرة.",
            "وبدأ التجمع متأخرا 90 دقيقة.",
        ),
    },
    "fine": {
        "en": (
            "The election commission fined Keller's campaign 25,000 euros for undeclared donations.",
            "It found 14 donations from a single company, split up to hide where the money came from.",
            "The campaign said it would appeal the decision.",
        ),
        "fr": (
            "La commission électorale a infligé une amende de 25 000 euros à la campagne de Keller pour des dons non déclarés.",
            "Elle a relevé 14 dons d'une même entreprise, fractionnés pour en cacher l'origine.",
            "L'équipe de campagne a annoncé qu'elle ferait appel.",
        ),
        "es": (
            "La comisión electoral multó a la campaña de Keller con 25.000 euros por donaciones no declaradas.",
            "Encontró 14 donaciones de una misma empresa, divididas para ocultar el origen del dinero.",
            "La campaña anunció que recurrirá la decisión.",
        ),
        "de": (
            "Die Wahlkommission hat Kellers Kampagne wegen nicht gemeldeter Spenden mit 25.000 Euro bestraft.",
            "Sie fand 14 Spenden einer einzigen Firma, aufgeteilt, um die Herkunft des Geldes zu verschleiern.",
            "Die Kampagne kündigte an, Einspruch einzulegen.",
        ),
        "he": (
            "ועדת הבחירות הטילה על הקמפיין של קלר קנס של 25,000 אירו בשל תרומות שלא דווחו.",
            "הוועדה מצאה 14 תרומות מחברה אחת, שפוצלו כדי להסתיר את מקור הכסף.",
            "הקמפיין הודיע שיערער על ההחלטה.",
        ),
        "ru": (
            "Избирательная комиссия оштрафовала штаб Келлер на 25 000 евро за незадекларированные пожертвования.",
            "Комиссия обнаружила 14 пожертвований от одной компании, разбитых, чтобы скрыть происхождение денег.",
            "В штабе заявили, что обжалуют решение.",
        ),
        "ar": (
            "فرضت لجنة الانتخابات غرامة قدرها 25000 يورو على حملة كيلر بسبب تبرعات غير معلنة.",
            "ووجدت اللجنة 14 تبرعا من شركة واحدة جرى تقسيمها لإخفاء مصدر الأموال.",
            "وقالت الحملة إنها ستطعن في القرار.",
        ),
    },
}
