/**
 * Types for the one internal module of the `sentiment` package Earshot reads: its
 * language processor, whose `getLabels('en')` is the AFINN-165 word list merged with
 * the package's emoji valences. (The package's own typings cover only its main class.)
 */
declare module 'sentiment/lib/language-processor.js' {
  const processor: {
    getLabels(languageCode: string): Readonly<Record<string, number>>;
  };
  export default processor;
}
