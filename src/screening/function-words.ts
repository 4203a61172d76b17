/**
 * The most frequent function words of 20 languages written in Latin script: the words
 * every sentence needs, so even a six-word post has some. Language detection weighs
 * them (see detect-language.ts). English also lists everyday words of social posts,
 * because many short posts have no function word at all.
 */
const FUNCTION_WORDS: Record<string, string> = {
  en: 'the and you your my me is are was were be been have has had do does did not this that with for of to it its im dont cant what why how when where who will would can could just get got our we they them there their from about please thanks thank still an at on but if so all any been' +
    // Words of everyday English on social networks: many short posts have no function word.
    ' lol lmao omg thx pls plz u ur ok okay yes yeah hi hello love great good bad worst best amazing awesome today tonight tomorrow now again never ever time help need want like one new back only really guys know see going make way day people customer service' +
    ' i me he she him her us very already made much many more most other some than then too also here off out up down over after before because being both each few into through while should must may might since until which those these such nice sure in a no hey either nope left right',
  es: 'el la los las un una y que de en es por para con no mi mis tu su sus lo le se del al muy pero como más mas gracias hola está esta estoy son fue ya ni porque cuando también tengo hay',
  fr: 'le la les un une et est que de des du en pour pas je tu il elle nous vous mon ma mes ton ta son sa ses ce cette avec sur dans mais ou où au aux très merci bonjour suis sont été avoir fait qui',
  de: 'der die das und ist nicht ein eine einen mit für auf ich du er sie wir ihr mein meine dein sein zu von den dem des im ist sind war auch aber noch nur schon danke bitte wie warum wann wer kein',
  it: 'il lo la gli le un una e che di da in per con non mi ti si è sono mio mia tuo tua suo del della dei delle al alla ma anche come perché grazie ciao sempre ancora questo questa',
  pt: 'o a os as um uma e que de do da dos das em no na nos nas para por com não meu minha seu sua você voce eu ele ela é são foi está estou mas muito obrigado obrigada olá também isso',
  nl: 'de het een en is niet van in op te dat die ik je jij mijn zijn met voor aan er maar ook nog wel geen naar bij dit deze wat waarom hoe wie bedankt dank alsjeblieft heb hebben',
  sv: 'och att det som en ett är inte jag du han hon vi ni min mitt din på för med av till den de har var kan ska om men eller också tack hej från inget',
  da: 'og at det som en et er ikke jeg du han hun vi min mit din på for med af til den de har var kan skal om men eller også tak hej fra ingen',
  no: 'og at det som en et er ikke jeg du han hun vi min mitt din på for med av til den de har var kan skal om men eller også takk hei fra ingen',
  fi: 'ja on ei se että en olen oli mutta kun myös minä sinä hän me te he tämä tuo mikä miksi kiitos hei ole ovat ollut vain',
  pl: 'i w na nie się z do że to jest jak ale czy mnie mój moja twój jego jej dla od po przez tak już jeszcze dziękuję dzięki cześć są był była',
  tr: 've bir bu da de için ile ne mi mı değil ben sen o biz siz benim senin çok ama gibi daha var yok teşekkürler teşekkür merhaba neden nasıl',
  id: 'dan yang di ke dari ini itu tidak saya aku kamu anda dengan untuk ada akan sudah belum juga tapi karena apa kenapa bagaimana terima kasih tolong',
  ro: 'și si în in la cu de pe nu este sunt un o că ca eu tu el ea noi voi meu mea tău pentru dar mai foarte mulțumesc multumesc bună',
  cs: 'a je to v na se že s z do není jsem jsi být ale jak proč kdy kde co můj moje tvůj pro od po už ještě děkuji díky ahoj',
  hu: 'a az és nem egy hogy is van volt de meg már még csak én te ő mi ti ők ez az köszönöm köszi szia miért hogyan',
  ca: 'el la els les un una i que de en és per amb no meu meva seu seva però com també molt gràcies hola són està',
  tl: 'ang ng sa mga na ay at ko mo siya kami kayo sila hindi po opo salamat bakit paano ito iyan yung',
  sw: 'na ya wa kwa ni katika la za hii hiyo mimi wewe yeye sisi asante habari',
};

/** The languages recognised by their words, in a fixed order (indexes are used in `languagesOf`). */
export const LANGUAGES: readonly string[] = Object.keys(FUNCTION_WORDS);

const WORD_LANGS = new Map<string, number[]>();
LANGUAGES.forEach((lang, li) => {
  for (const w of FUNCTION_WORDS[lang]!.split(' ')) {
    const langs = WORD_LANGS.get(w);
    if (langs) { if (!langs.includes(li)) langs.push(li); } else WORD_LANGS.set(w, [li]);
  }
});

/** The languages (indexes into LANGUAGES) whose function words include a lower-case word. */
export const languagesOf = (word: string): readonly number[] | undefined => WORD_LANGS.get(word);

