import { isJsonObject, type KubeObject, type ResourceType } from '../api/index.js';
import { apiErrors, isApiError, type AdmissionOperation, type AdmissionPlugin, type ApiServer } from '../apiserver/index.js';
import type { Informers } from './runtime/informers.js';
import { isTerminating, R } from './runtime/objects.js';
import { QueueController } from './runtime/work-queue.js';

/** The account every namespace has and every pod runs as unless it names another. */
export const DEFAULT_SERVICE_ACCOUNT = 'default';

/**
 * kube-controller-manager's serviceaccount controller: every active namespace has a ServiceAccount
 * named "default", created with the namespace and again when it is deleted. (Since 1.24 no token
 * Secret comes with it.) A terminating namespace gets none: its objects are on their way out.
 */
export class ServiceAccountsController extends QueueController {
  readonly name = 'serviceaccount-controller';

  constructor(
    private readonly api: ApiServer,
    private readonly informers: Informers,
  ) {
    super();
    informers.on(R.namespaces, (type, ns) => {
      if (type !== 'DELETED') this.enqueue(ns.metadata.name ?? '');
    });
    informers.on(R.serviceAccounts, (type, sa) => {
      if (type === 'DELETED' && sa.metadata.name === DEFAULT_SERVICE_ACCOUNT) this.enqueue(sa.metadata.namespace ?? '');
    });
  }

  protected async sync(namespace: string): Promise<void> {
    const ns = this.informers.get(R.namespaces, '', namespace);
    if (ns === undefined || isTerminating(ns)) return;
    if (this.informers.get(R.serviceAccounts, namespace, DEFAULT_SERVICE_ACCOUNT) !== undefined) return;
    try {
      await this.api.create(R.serviceAccounts, namespace, { metadata: { name: DEFAULT_SERVICE_ACCOUNT } });
    } catch (e) {
      // Created meanwhile (409 AlreadyExists), or the namespace started terminating (403): nothing to do.
      if (!(isApiError(e) && (e.status.code === 409 || e.status.code === 403))) throw e;
    }
  }
}

/**
 * The ServiceAccount admission plugin's check (plugin/pkg/admission/serviceaccount): a new pod's account must
 * exist, or the pod is refused with 403. The "default" account always passes: the real plugin waits (up to ten
 * lookups) for the controller above to create it, and here the controller has run before the next request.
 * (The plugin's other half, mounting the account's token volume into each container, is not emulated.)
 */
export class ServiceAccountAdmission implements AdmissionPlugin {
  readonly name = 'ServiceAccount';
  private informers: Informers | undefined;

  /** Reads accounts from the shared informers; before this, only the default account is accepted. */
  attach(informers: Informers): void {
    this.informers = informers;
  }

  admit(): void {
    // Defaulting already named the account (defaults/pod.ts); existence is checked after validation.
  }

  validate(op: AdmissionOperation, r: ResourceType, obj: KubeObject): void {
    if (op !== 'CREATE' || r.kind !== 'Pod') return;
    const spec = obj['spec'];
    const account = isJsonObject(spec) && typeof spec['serviceAccountName'] === 'string' ? spec['serviceAccountName'] : DEFAULT_SERVICE_ACCOUNT;
    if (account === DEFAULT_SERVICE_ACCOUNT || account === '') return;
    const ns = obj.metadata.namespace ?? '';
    if (this.informers?.get(R.serviceAccounts, ns, account) !== undefined) return;
    // admission.NewForbidden names the pod as the request did: a generated name by its prefix.
    const name = obj.metadata.generateName ?? obj.metadata.name ?? '';
    throw apiErrors.forbidden(`pods "${name}" is forbidden: error looking up service account ${ns}/${account}: serviceaccount "${account}" not found`);
  }
}
