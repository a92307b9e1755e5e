"""Word lists the sign-up lens and its simulator share: ordinary names, joke and celebrity names,
channels and devices.

The lists are small and written by hand: common US first and last names (census frequency order,
not any one person), joke names that registration pranks use, and the user-agent marks of in-app
browsers.
"""

from __future__ import annotations

FIRST_NAMES = """james mary robert patricia john jennifer michael linda david elizabeth william
barbara richard susan joseph jessica thomas sarah charles karen christopher lisa daniel nancy
matthew betty anthony sandra mark margaret donald ashley steven kimberly paul emily andrew donna
joshua michelle kenneth carol kevin amanda brian melissa george deborah timothy stephanie ronald
rebecca jason sharon edward laura jeffrey cynthia ryan dorothy jacob amy gary kathleen nicholas
angela eric shirley jonathan emma stephen brenda larry pamela justin nicole scott anna brandon
samantha benjamin katherine samuel christine gregory debra alexander rachel patrick carolyn frank
janet raymond maria jack olivia dennis heather jerry helen tyler catherine aaron diane jose julie
adam victoria nathan joyce henry lauren zachary kelly douglas christina peter ruth kyle joan noah
virginia ethan judith jeremy evelyn christian hannah walter andrea keith megan austin cheryl
roger jacqueline terry madison sean teresa gerald abigail carl sophia dylan martha harold sara
jordan gloria jesse janice bryan kathryn lawrence ann arthur isabella gabriel judy bruce charlotte
logan julia billy grace joe amber alan alice juan jean elijah denise willie frances albert danielle
wayne marilyn randy natalie mason beverly vincent diana liam brittany roy theresa bobby kayla
caleb alexis bradley doris russell lori lucas tiffany""".split()

LAST_NAMES = """smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez
lopez gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white harris
sanchez clark ramirez lewis robinson walker young allen king wright scott torres nguyen hill
flores green adams nelson baker hall rivera campbell mitchell carter roberts gomez phillips evans
turner diaz parker cruz edwards collins reyes stewart morris morales murphy cook rogers gutierrez
ortiz morgan cooper peterson bailey reed kelly howard ramos kim cox ward richardson watson brooks
chavez wood james bennett gray mendoza ruiz hughes price alvarez castillo sanders patel myers long
ross foster jimenez powell jenkins perry russell sullivan bell coleman butler henderson barnes
gonzales fisher vasquez simmons romero jordan patterson alexander hamilton graham reynolds griffin
wallace moreno west cole hayes bryant herrera gibson ellis tran medina aguilar stevens murray ford
castro marshall owens harrison fernandez mcdonald woods washington kennedy wells vargas henry chen
freeman webb tucker guzman burns crawford olson simpson porter hunter gordon mendez silva shaw
snyder mason dixon munoz hunt hicks holmes palmer wagner black robertson boyd rose stone salazar
fox warren mills meyer rice schmidt garza daniels ferguson nichols stephens soto weaver ryan
gardner payne grant dunn kelley spencer hawkins arnold pierce vazquez hansen peters santos hart
bradley knight elliott cunningham duncan armstrong hudson carroll lane riley andrews alvarado ray
delgado berry perkins hoffman johnston matthews pena richards willis carson""".split()

# Whole names that pranksters and fans type: cartoon characters, celebrities, K-pop idols,
# innuendo that reads out loud. Compared after normalisation (lower case, single spaces).
JOKE_NAMES = frozenset(
    """donald duck|mickey mouse|minnie mouse|bugs bunny|daffy duck|homer simpson|bart simpson|
spongebob squarepants|patrick star|harry potter|santa claus|easter bunny|john doe|jane doe|
hugh jass|ben dover|mike hunt|mike oxlong|amanda hugginkiss|seymour butz|anita bath|phil mccracken|
ivana tinkle|joe mama|deez nuts|ligma balls|sugondese nuts|hugh mungus|barack obama|joe biden|
donald trump|kanye west|taylor swift|elon musk|kim kardashian|justin bieber|ariana grande|
kim jong un|vladimir putin|oprah winfrey|beyonce knowles|kim namjoon|kim seokjin|min yoongi|
jung hoseok|park jimin|kim taehyung|jeon jungkook|lisa manoban|jennie kim|kim jisoo|
roseanne park|lalisa manoban|bts army|blackpink in your area|kpop stan|tiktok teen|test test|
first last|no name|nobody here|your mom|covid nineteen|nunya business|ima hogg|al beback|
ella vator|paige turner|barb dwyer|justin case|rick roll|rick astley|shrek ogre""".replace(
        "\n", ""
    ).split("|")
)

# Single words that mark a name as not a person's, wherever they appear in it.
JOKE_TOKENS = frozenset(
    """test fake asdf qwerty lol lmao stan kpop tiktok army blink null none nobody anonymous
anon xxx bts blackpink jungkook jimin taehyung yoongi namjoon hoseok seokjin""".split()
)

# In-app browsers of short-video apps (TikTok's is ByteDance's web view), and of other apps.
SHORT_VIDEO_UA = r"BytedanceWebview|musical_ly|TikTok|trill_|Instagram|Snapchat|Likee|Kwai|Triller"
OTHER_INAPP_UA = r"FBAN|FBAV|FB_IAB|Twitter|LinkedInApp|Line/|Pinterest|MicroMessenger"
MOBILE_UA = r"Mobile|Android|iPhone|iPad"

CHANNELS = ("direct", "short_video", "social", "search", "news", "email", "other")
DEVICES = ("desktop", "mobile", "inapp_short_video", "inapp_other", "bot_or_unknown")
