import * as E from 'fp-ts/lib/Either.js';
import type { AccessContext } from '../../domain/credentials.js';
import { AppError } from '../../domain/errors.js';
import type { RichTextFormat } from '../../domain/jira-issue.js';

/** The raw rich-text format a site answers in: ADF on Jira Cloud, wiki markup on Data Center. */
export const checkFormat = (format: RichTextFormat, ctx: AccessContext): E.Either<AppError, RichTextFormat> => {
  if (format === 'adf' && ctx.flavour === 'data_center')
    return E.left(AppError.validation('format=adf needs Jira Cloud; Data Center answers wiki markup (format=wiki).'));
  if (format === 'wiki' && ctx.flavour === 'cloud')
    return E.left(AppError.validation('format=wiki needs Jira Data Center; Jira Cloud answers ADF (format=adf).'));
  return E.right(format);
};
