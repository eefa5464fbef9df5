/**
 * attribution/: influence scores of training examples from a model trained with onnxruntime.
 * Public: the two ways a trainer scores (attribution/README.md's API: train and score MNIST, or
 * score its own ONNX classifier), writing the result, the score format both take, and the two
 * errors. Training, the methods, the defences, the ONNX reader and writer, the data helpers and
 * the evaluation metrics are imported from their modules (the scripts and tests do).
 *
 *   runAttribution(config.attribution, { decimals, scoreBits })  -> rows, per-contributor sums, model hash
 *   writeAttribution(dir, result, decimals)                       -> examples.csv, model.onnx, attribution.json
 *   scoreOnnxClassifier({ model, checkpoints, train, validation }, settings, format)
 *                                                                 -> a trainer's own ONNX model: one score per example hash
 */
export { runAttribution, type AttributionResult } from "./pipeline.ts";
export { writeAttribution } from "./output.ts";
export { scoreFormatOf, type ScoreFormat } from "./fixed.ts";
export { scoreOnnxClassifier, type OnnxAttributionResult } from "./onnx-pipeline.ts";
export { AttributionError, ScoreRangeError } from "./errors.ts";
