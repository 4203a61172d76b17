/**
 * The text classifier (sentiment, intent, topic) under its one import path: the model's
 * shape, training, prediction, online learning and the model file live in their own modules.
 */
export * from './text-model-types.js';
export { predictText, predictTokens } from './predict-text.js';
export { learn } from './learn-text-model.js';
export { seededRandom, trainTextModel, type TrainingExample, type TrainOptions } from './train-text-model.js';
export { macroF1 } from './tune-offsets.js';
export { TextModelInvalidError, textModelFromJson, textModelToJson, type TextModelJson } from './text-model-json.js';
