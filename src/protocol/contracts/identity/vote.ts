/**
 * Action identity.vote: an active organization's admin votes yes or no, once, on an open
 * proposal. The vote that decides the proposal also applies it.
 */
import { boolean, integer, object } from '../engine/args.js';
import { type ActionDefinition, failure } from '../engine/module.js';
import { requireAdmin } from './authorize.js';
import { decide } from './proposals.js';
import { IDENTITY_RESULTS } from './results.js';
import { loadProposal } from './state.js';

const voteArgs = object({
  proposal: integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  approve: boolean(),
});

export type VoteParams = { proposal: number; approve: boolean };

export const vote: ActionDefinition<VoteParams> = {
  name: 'vote',
  args: voteArgs,
  execute(context, args) {
    const admin = requireAdmin(context);
    if (!admin.ok) {
      return admin;
    }
    const proposal = loadProposal(context.get, args.proposal);
    if (proposal === undefined) {
      return failure(IDENTITY_RESULTS.proposal_not_found, `no proposal ${args.proposal}`);
    }
    if (proposal.status !== 'open') {
      return failure(
        IDENTITY_RESULTS.proposal_closed,
        `proposal ${proposal.id} is ${proposal.status}`,
      );
    }
    if (context.height > proposal.expiresAt) {
      const message = `proposal ${proposal.id} expired at height ${proposal.expiresAt}`;
      return failure(IDENTITY_RESULTS.proposal_expired, message);
    }
    const voter = admin.value.id;
    if (Object.hasOwn(proposal.votes, voter)) {
      return failure(IDENTITY_RESULTS.already_voted, `${voter} already voted`);
    }
    const votes = { ...proposal.votes, [voter]: args.approve };
    context.emit('vote_cast', {
      proposal: proposal.id,
      organization: voter,
      approve: args.approve,
    });
    decide(context, { ...proposal, votes });
    return { ok: true };
  },
};
