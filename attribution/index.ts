/**
 * attribution/: influence scores of training examples from a model trained with onnxruntime.
 * Other folders import from here only.
 *
 *   runAttribution(config.attribution, { decimals, scoreBits })  -> rows, per-contributor sums, model hash
 *   writeAttribution(dir, result, decimals)                       -> examples.csv, model.onnx, attribution.json
 *   scoreOnnxClassifier({ model, checkpoints, train, validation }, settings, format)
 *                                                                 -> a trainer's own ONNX model: one score per example hash
 */
export { runAttribution, scoreContributors, type AttributionResult, type ContributorScore, type ExampleScoreRow } from "./pipeline.ts";
export { rotateImage } from "./rotate.ts";
export { detectNearDuplicates, similarity, maxShiftedNcc, DEFAULT_NEAR_DUPLICATES, type NearDuplicateConfig, type NearDuplicateEvidence, type NearDuplicateResult } from "./near-duplicates.ts";
export { checkLabels, flaggedScore, labelInconsistent, labelProbabilities, DEFAULT_LABEL_CONSISTENCY, type LabelCheck, type LabelConsistencyConfig, type LabelEvidence } from "./label-consistency.ts";
export { writeAttribution, examplesCsv } from "./output.ts";
export { encodeTrainingData, decodeTrainingData } from "./training-data.ts";
export { attributionSection } from "./epoch-section.ts";
export { buildPartitions, contributorAddress, flipLabels, unusedPoolIndices, type Partition } from "./partitions.ts";
export { secretValidationSplit, MIN_SECRET_BYTES } from "./secret-split.ts";
export { loadMnist, splitMnist, exampleHash, datasetHash, encodeDataset, decodeDataset, subset, concat, EXAMPLE_BYTES, type Dataset, type Split } from "./data.ts";
export { scoreToFixedPoint, scoresToFixedPoint, normalizeScores, scoreFormatOf, type ScoreFormat } from "./fixed.ts";
export { createSession, clearProviderCache, type ProviderOptions, type LoadedSession } from "./providers.ts";
export { train, initialParams, type AttributionProgress, type TrainedModel, type TrainOptions, type Checkpoint } from "./train.ts";
export { exportModel, forward, accuracy, type ExportedModel, type ForwardOutputs } from "./model.ts";
export { prepareMethod, type Attribution, type ScoringInput } from "./methods/index.ts";
export { validationScores, attributionMatrix, selfScores } from "./score.ts";
export { lds, rocAuc, spearman } from "./metrics.ts";
export { scoreOnnxClassifier, type OnnxAttributionResult, type OnnxScoringInput, type OnnxFlag, type ScoredSet } from "./onnx-pipeline.ts";
export { checkOnnxMethod, classifyArrays, classifyModels, lastLayerAttribution, type ModelOutputs } from "./onnx-attribution.ts";
export { convInferenceModel, convStepModel, trainConvNet, type ConvParams, type ConvShape } from "./conv-net.ts";
export { findLastLayer, loadClassifier, classify, type LastLayer, type LayerNames, type OnnxClassifier } from "./onnx-classifier.ts";
export { readOnnxGraph, appendGraphOutputs, type OnnxGraph } from "./onnx-read.ts";
export { encodeModel, ONNX_FLOAT, type GraphSpec, type NodeSpec, type TensorSpec } from "./onnx-proto.ts";
export { DEFAULT_FEATURE_DUPLICATES, detectFeatureDuplicates } from "./feature-duplicates.ts";
export { AttributionError, ScoreRangeError, type AttributionErrorCode, type ScoreErrorCode } from "./errors.ts";
