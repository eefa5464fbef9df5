/** --validation PATH and --validation-labels FILE of seal and settle: a validation set the trainer brings as a file. */
import type { ValidationSetFiles } from "../../protocol/trainer/validation-file.ts";
import { CodedError } from "../../errors/index.ts";

/** The set --validation names (read and hashed), undefined without it; a USAGE error for --validation-labels alone. */
export async function validationFileFlags(flags: {
  readonly validation?: string;
  readonly validationLabels?: string;
}): Promise<ValidationSetFiles | undefined> {
  if (flags.validation === undefined) {
    if (flags.validationLabels !== undefined)
      throw new CodedError("USAGE", "usage", "--validation-labels FILE goes with --validation FILE.npy: the labels of that inputs .npy");
    return undefined;
  }
  const { readValidationFile } = await import("../../protocol/trainer/validation-file.ts");
  return readValidationFile(flags.validation, flags.validationLabels).set;
}
